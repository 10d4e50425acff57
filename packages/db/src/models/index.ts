import { ApiToken } from './api-token.model.js';
import { AuditEvent } from './audit-event.model.js';
import { Bulk } from './bulk.model.js';
import { CommandTemplate } from './command-template.model.js';
import { Credential } from './credential.model.js';
import { DeviceGroupMembership } from './device-group-membership.model.js';
import { DeviceGroup } from './device-group.model.js';
import { DeviceHostKey } from './device-host-key.model.js';
import { Device } from './device.model.js';
import { KnownHost } from './known-host.model.js';
import { RunChunk } from './run-chunk.model.js';
import { Run } from './run.model.js';
import { Session } from './session.model.js';
import { User } from './user.model.js';

export {
  ApiToken,
  AuditEvent,
  Bulk,
  CommandTemplate,
  Credential,
  Device,
  DeviceGroup,
  DeviceGroupMembership,
  DeviceHostKey,
  KnownHost,
  Run,
  RunChunk,
  Session,
  User,
};

export const MODELS = [
  User,
  Session,
  ApiToken,
  AuditEvent,
  Credential,
  KnownHost,
  Device,
  DeviceHostKey,
  DeviceGroup,
  DeviceGroupMembership,
  CommandTemplate,
  Bulk,
  Run,
  RunChunk,
];
