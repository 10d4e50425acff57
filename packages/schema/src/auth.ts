import { z } from 'zod';
import { Cursor, Id, Timestamp, page, textCheck, type Page } from './common.js';
import { UserRole } from './enums.js';

export const Email = z
  .string()
  .trim()
  .max(254, 'e-mail must be at most 254 characters')
  .pipe(z.email('must be an e-mail address'));

export const User = z.object({
  id: Id,
  email: z.string(),
  role: UserRole,
  disabled: z.boolean(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type User = z.infer<typeof User>;

/**
 * Who may read the audit events of each action: every role from the one named up, or
 * `own`, the user who acted (and admins). Admins read every event. What people do with
 * the inventory, templates, runs and bulks is for everyone to see; who the users are,
 * their sign-ins from where, other users' tokens, credentials, host keys and retention
 * are for admins. The summary of an event holds only facts that its readers may read.
 * An action missing here cannot be recorded.
 */
export const AUDIT_VISIBILITY = {
  'auth.login': 'own',
  'auth.logout': 'own',
  'auth.change_password': 'own',
  'auth.login_failed': 'admin',
  'tokens.create': 'own',
  'tokens.revoke': 'own',
  'users.create': 'admin',
  'users.update': 'admin',
  'users.reset_password': 'admin',
  'credentials.set': 'admin',
  'credentials.delete': 'admin',
  'credentials.scope': 'admin',
  'host_keys.accept': 'admin',
  'host_keys.forget': 'admin',
  'retention.purge': 'admin',
  'devices.create': 'viewer',
  'devices.update': 'viewer',
  'devices.delete': 'viewer',
  'devices.import': 'viewer',
  'groups.create': 'viewer',
  'groups.update': 'viewer',
  'groups.delete': 'viewer',
  'groups.members.add': 'viewer',
  'groups.members.update': 'viewer',
  'groups.members.remove': 'viewer',
  'templates.create': 'viewer',
  'templates.update': 'viewer',
  'templates.delete': 'viewer',
  'runs.create': 'viewer',
  'runs.cancel': 'viewer',
  'bulks.create': 'viewer',
  'bulks.retryFailed': 'viewer',
  'bulks.cancel': 'viewer',
} as const satisfies Record<string, UserRole | 'own'>;

/** An action the audit log records, such as `devices.create`. */
export type AuditAction = keyof typeof AUDIT_VISIBILITY;
export const AUDIT_ACTIONS = Object.keys(AUDIT_VISIBILITY) as AuditAction[];

export const AuditEvent = z.object({
  id: Id,
  actorId: Id.nullable(),
  actorEmail: z.string().nullable(),
  action: z.string(),
  targetType: z.string().nullable(),
  targetId: z.string().nullable(),
  summary: z.record(z.string(), z.unknown()),
  createdAt: Timestamp,
});
export type AuditEvent = z.infer<typeof AuditEvent>;

/** An API token as every interface shows it: its prefix, never the token or its hash. */
export const ApiToken = z.object({
  id: Id,
  userId: Id,
  userEmail: z.string(),
  name: z.string(),
  /** The first characters of the token, to recognise it in a list. */
  prefix: z.string(),
  readOnly: z.boolean(),
  expiresAt: Timestamp.nullable(),
  lastUsedAt: Timestamp.nullable(),
  revokedAt: Timestamp.nullable(),
  createdAt: Timestamp,
});
export type ApiToken = z.infer<typeof ApiToken>;

const AuditText = (what: string, max: number) =>
  z
    .string()
    .superRefine(textCheck(what))
    .trim()
    .min(1, `${what} must not be empty`)
    .max(max, `${what} must be at most ${max} characters`);

export const AuditListInput = z.strictObject({
  actorId: Id.optional(),
  /** The exact action, such as `devices.create`. */
  action: AuditText('action', 100).optional(),
  targetType: AuditText('target type', 64).optional(),
  targetId: AuditText('target id', 200).optional(),
  /** Events at or after this time. */
  from: Timestamp.optional(),
  /** Events before this time. */
  to: Timestamp.optional(),
  cursor: Cursor.optional(),
  limit: z.number().int().min(1).max(100).default(50),
});
export type AuditListInput = z.input<typeof AuditListInput>;

/** One page of audit events, newest first. */
export const AuditPage = page(AuditEvent);
export type AuditPage = Page<AuditEvent>;
