import { z } from 'zod';

export const PLATFORMS = [
  'cisco_ios',
  'cisco_nxos',
  'cisco_iosxr',
  'arista_eos',
  'juniper_junos',
  'linux',
  'generic',
] as const;
export const Platform = z.enum(PLATFORMS);
export type Platform = z.infer<typeof Platform>;

export const PROTOCOLS = ['ssh', 'telnet'] as const;
export const Protocol = z.enum(PROTOCOLS);
export type Protocol = z.infer<typeof Protocol>;

/** The port a device listens on when none is given. */
export const DEFAULT_PORTS: Record<Protocol, number> = { ssh: 22, telnet: 23 };

export const MEMBERSHIP_ROLES = ['member', 'primary'] as const;
export const MembershipRole = z.enum(MEMBERSHIP_ROLES);
export type MembershipRole = z.infer<typeof MembershipRole>;

export const TEMPLATE_MODES = ['read', 'change'] as const;
export const TemplateMode = z.enum(TEMPLATE_MODES);
export type TemplateMode = z.infer<typeof TemplateMode>;

export const RUN_STATUSES = ['pending', 'running', 'ok', 'error'] as const;
export const RunStatus = z.enum(RUN_STATUSES);
export type RunStatus = z.infer<typeof RunStatus>;

export const TERMINAL_RUN_STATUSES = ['ok', 'error'] as const satisfies readonly RunStatus[];
export type TerminalRunStatus = (typeof TERMINAL_RUN_STATUSES)[number];

/** The transitions a run may make; anything else is refused. */
export const RUN_TRANSITIONS: Record<RunStatus, readonly RunStatus[]> = {
  pending: ['running', 'error'],
  running: ['ok', 'error'],
  ok: [],
  error: [],
};

export function isTerminalRunStatus(status: RunStatus): status is TerminalRunStatus {
  return (TERMINAL_RUN_STATUSES as readonly RunStatus[]).includes(status);
}

export const RUN_ERROR_REASONS = [
  'connect_timeout',
  'unreachable',
  'auth_failed',
  'host_key_mismatch',
  'host_key_unknown',
  'missing_secret',
  'command_timeout',
  'connection_lost',
  'device_rejected_command',
  'output_limit',
  'canceled',
  'worker_lost',
  'nonzero_exit',
  'credential_out_of_scope',
] as const;
export const RunErrorReason = z.enum(RUN_ERROR_REASONS);
export type RunErrorReason = z.infer<typeof RunErrorReason>;

/** Each reason as a sentence a person reads, shown beside its code by every interface. */
export const RUN_ERROR_REASON_TEXT: Record<RunErrorReason, string> = {
  connect_timeout: 'The device did not answer in time when connecting.',
  unreachable: 'The device could not be reached (connection refused or no route).',
  auth_failed: 'The device refused the credential.',
  host_key_mismatch: "The device's host key changed; an admin must accept the new key.",
  host_key_unknown: "The device's host key is unknown and strict host key checking is on.",
  missing_secret: "The device's credential is not configured on the runner.",
  credential_out_of_scope:
    "The device's credential may not be used for its address or site; an admin sets its scope.",
  command_timeout: 'The command did not finish in time.',
  connection_lost: 'The connection to the device was lost while the command ran.',
  device_rejected_command: 'The device rejected the command.',
  nonzero_exit: 'The command exited with a non-zero status.',
  output_limit: 'The output passed the limit kept for one run.',
  canceled: 'The run was canceled.',
  worker_lost: 'The worker running it stopped; its output so far is kept.',
};

export const USER_ROLES = ['viewer', 'operator', 'admin'] as const;
export const UserRole = z.enum(USER_ROLES);
export type UserRole = z.infer<typeof UserRole>;

export const VARIABLE_TYPES = [
  'string',
  'integer',
  'number',
  'boolean',
  'ip',
  'cidr',
  'enum',
] as const;
export const VariableType = z.enum(VARIABLE_TYPES);
export type VariableType = z.infer<typeof VariableType>;
