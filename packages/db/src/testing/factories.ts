import type {
  DeviceCreate,
  GroupCreate,
  RunCreateRecord,
  TemplateCreate,
  UserRole,
} from '@netauto/schema';
import { randomBytes } from 'node:crypto';
import type { ApiTokenCreateRecord } from '../auth/api-tokens.repo.js';
import type { AuditRecord } from '../auth/audit.repo.js';
import type { SessionCreateRecord } from '../auth/sessions.repo.js';
import type { UserCreateRecord } from '../auth/users.repo.js';
import type { Database } from '../connection.js';
import { repositories } from '../repositories.js';
import { select } from '../sql.js';

let n = 0;
/** A number unique within this test process, for names that must not collide. */
export function unique(): number {
  n += 1;
  return n;
}

export function deviceFactory(overrides: Partial<DeviceCreate> = {}): DeviceCreate {
  const i = unique();
  return {
    hostname: `r${i}`,
    ip: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
    username: 'netops',
    credRef: 'env:LAB',
    platform: 'cisco_ios',
    vendor: 'Cisco',
    model: 'C8300',
    site: 'dc1',
    tags: { role: 'edge' },
    ...overrides,
  };
}

export function groupFactory(overrides: Partial<GroupCreate> = {}): GroupCreate {
  return { name: `group-${unique()}`, description: 'a test group', ...overrides };
}

export function templateFactory(overrides: Partial<TemplateCreate> = {}): TemplateCreate {
  return {
    name: `show-interface-${unique()}`,
    body: 'show interface {{ name }}',
    variables: { name: { type: 'string', required: true } },
    ...overrides,
  };
}

export function runFactory(
  deviceId: number,
  overrides: Partial<RunCreateRecord> = {},
): RunCreateRecord {
  return { deviceId, command: 'show version', requestedByEmail: 'ops@example.net', ...overrides };
}

/** Rows built by the factories and stored, for tests that need them in the database. */
export function factories(db: Database) {
  const repos = repositories(db);
  const ex = { sequelize: db.sequelize };
  return {
    device: (o: Partial<DeviceCreate> = {}) => repos.devices.create(deviceFactory(o)),
    group: (o: Partial<GroupCreate> = {}) => repos.groups.create(groupFactory(o)),
    template: (o: Partial<TemplateCreate> = {}) => repos.templates.create(templateFactory(o)),
    run: async (o: Partial<RunCreateRecord> & { deviceId?: number } = {}) => {
      const deviceId = o.deviceId ?? (await repos.devices.create(deviceFactory())).id;
      return repos.runs.create(runFactory(deviceId, o));
    },
    user: async (o: { email?: string; role?: UserRole; disabled?: boolean } = {}) => {
      const rows = await select<{ id: number; email: string }>(
        ex,
        `INSERT INTO users (email, password_hash, role, disabled) VALUES ($1, $2, $3, $4)
         RETURNING id, email`,
        [
          o.email ?? `user${unique()}@example.net`,
          '$argon2id$placeholder',
          o.role ?? 'operator',
          o.disabled ?? false,
        ],
      );
      return rows[0] as { id: number; email: string };
    },
    bulk: async (o: { requestedBy?: number | null; command?: string; total?: number } = {}) => {
      const rows = await select<{ id: number }>(
        ex,
        `INSERT INTO bulks (requested_by, command, target, total) VALUES ($1, $2, $3::jsonb, $4)
         RETURNING id`,
        [
          o.requestedBy ?? null,
          o.command ?? 'show version',
          JSON.stringify({ site: 'dc1' }),
          o.total ?? 0,
        ],
      );
      return rows[0] as { id: number };
    },
    session: async (userId: number) => {
      const rows = await select<{ id: number }>(
        ex,
        `INSERT INTO sessions (user_id, token_hash, expires_at)
         VALUES ($1, md5(random()::text), now() + interval '1 day') RETURNING id`,
        [userId],
      );
      return rows[0] as { id: number };
    },
    apiToken: async (userId: number) => {
      const rows = await select<{ id: number }>(
        ex,
        `INSERT INTO api_tokens (user_id, name, prefix, token_hash)
         VALUES ($1, 'ci', 'nat_abcd', md5(random()::text)) RETURNING id`,
        [userId],
      );
      return rows[0] as { id: number };
    },
    auditEvent: async (o: { actorId?: number | null; action?: string } = {}) => {
      const rows = await select<{ id: number }>(
        ex,
        `INSERT INTO audit_events (actor_id, action, target_type, target_id, summary)
         VALUES ($1, $2, 'device', '1', '{}') RETURNING id`,
        [o.actorId ?? null, o.action ?? 'devices.create'],
      );
      return rows[0] as { id: number };
    },
    credential: async (name = `CRED${unique()}`) => {
      const rows = await select<{ id: number }>(
        ex,
        `INSERT INTO credentials (name, username, ciphertext) VALUES ($1, 'netops', '\\x00')
         RETURNING id`,
        [name],
      );
      return rows[0] as { id: number };
    },
    /** A user stored through UsersRepo (a placeholder hash), returned as a User. */
    account: (o: Partial<UserCreateRecord> = {}) =>
      repos.users.create({
        email: `account${unique()}@example.net`,
        passwordHash: '$argon2id$placeholder',
        role: 'operator',
        ...o,
      }),
    /** A session valid for a day, stored through SessionsRepo, and its token hash. */
    liveSession: async (userId: number, o: Partial<SessionCreateRecord> = {}) => {
      const tokenHash = o.tokenHash ?? randomBytes(32).toString('hex');
      const session = await repos.sessions.create({
        userId,
        tokenHash,
        expiresAt: new Date(Date.now() + 86_400_000),
        ...o,
      });
      return { session, tokenHash };
    },
    /** An API token stored through ApiTokensRepo, and its hash. */
    token: async (userId: number, o: Partial<ApiTokenCreateRecord> = {}) => {
      const tokenHash = o.tokenHash ?? randomBytes(32).toString('hex');
      const apiToken = await repos.apiTokens.create({
        userId,
        name: `token-${unique()}`,
        prefix: 'nat_test',
        tokenHash,
        readOnly: false,
        ...o,
      });
      return { apiToken, tokenHash };
    },
    /** An audit event stored through AuditRepo. */
    audit: (o: Partial<AuditRecord> = {}) =>
      repos.audit.record({
        actorId: null,
        actorEmail: null,
        action: 'devices.create',
        targetType: 'device',
        targetId: '1',
        summary: {},
        ...o,
      }),
    knownHost: async (o: { host?: string; port?: number } = {}) => {
      const rows = await select<{ id: number }>(
        ex,
        `INSERT INTO known_hosts (host, port, key_type, fingerprint)
         VALUES ($1, $2, 'ssh-ed25519', 'SHA256:test') RETURNING id`,
        [o.host ?? `10.9.0.${unique() % 250}`, o.port ?? 22],
      );
      return rows[0] as { id: number };
    },
  };
}
export type Factories = ReturnType<typeof factories>;
