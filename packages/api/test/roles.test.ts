import { AUDIT_VISIBILITY } from '@netauto/schema';
import { TRPCError } from '@trpc/server';
import { describe, expect, it } from 'vitest';
import type { Meta } from '../src/trpc.js';
import { procedures, useApi } from './api.js';

type Role = Meta['role'];

/**
 * Who may call what. A procedure added to the router without a line here fails the
 * suite: every procedure needs a decision.
 */
const ROLES: Record<string, Role> = {
  health: 'public',
  'auth.login': 'public',
  'auth.logout': 'viewer',
  'auth.me': 'viewer',
  'auth.changePassword': 'viewer',
  'auth.tokens.list': 'viewer',
  'auth.tokens.create': 'viewer',
  'auth.tokens.revoke': 'viewer',
  'devices.list': 'viewer',
  'devices.count': 'viewer',
  'devices.byId': 'viewer',
  'devices.create': 'operator',
  'devices.update': 'operator',
  'devices.delete': 'operator',
  'devices.import': 'operator',
  'groups.list': 'viewer',
  'groups.byId': 'viewer',
  'groups.create': 'operator',
  'groups.update': 'operator',
  'groups.delete': 'operator',
  'groups.members.list': 'viewer',
  'groups.members.add': 'operator',
  'groups.members.update': 'operator',
  'groups.members.remove': 'operator',
  'templates.list': 'viewer',
  'templates.byId': 'viewer',
  'templates.render': 'viewer',
  'templates.create': 'operator',
  'templates.update': 'operator',
  'templates.delete': 'operator',
  'runs.create': 'operator',
  'runs.list': 'viewer',
  'runs.byId': 'viewer',
  'runs.chunks': 'viewer',
  'runs.output': 'viewer',
  'runs.onStatus': 'viewer',
  'runs.onOutput': 'viewer',
  'runs.cancel': 'operator',
  'bulks.create': 'operator',
  'bulks.list': 'viewer',
  'bulks.byId': 'viewer',
  'bulks.summary': 'viewer',
  'bulks.retryFailed': 'operator',
  'bulks.cancel': 'operator',
  'bulks.onProgress': 'viewer',
  'audit.list': 'viewer',
  'admin.users.list': 'admin',
  'admin.users.byId': 'admin',
  'admin.users.create': 'admin',
  'admin.users.update': 'admin',
  'admin.users.resetPassword': 'admin',
  'admin.tokens.list': 'admin',
  'admin.tokens.create': 'admin',
  'admin.tokens.revoke': 'admin',
  'admin.retention.preview': 'admin',
  'admin.credentials.list': 'admin',
  'admin.credentials.set': 'admin',
  'admin.credentials.delete': 'admin',
  'admin.credentials.scope': 'admin',
  'admin.credentials.environment': 'admin',
  'admin.hostKeys.list': 'admin',
  'admin.hostKeys.accept': 'admin',
  'admin.hostKeys.forget': 'admin',
  'admin.settings': 'admin',
};

const RANK: Record<Role, number> = { public: 0, viewer: 1, operator: 2, admin: 3 };

describe('roles', async () => {
  const api = await useApi();
  const callers = {
    public: api.anonymous(),
    viewer: (await api.signedIn('viewer')).caller,
    operator: (await api.signedIn('operator')).caller,
    admin: (await api.signedIn('admin')).caller,
  };

  it('every procedure states its role, and the table knows every procedure', () => {
    const actual = Object.fromEntries(procedures.map(([path, p]) => [path, p._def.meta?.role]));
    expect(actual).toEqual(ROLES);
  });

  it('only auth.login and health are public', () => {
    expect(
      procedures
        .filter(([, p]) => p._def.meta?.role === 'public')
        .map(([path]) => path)
        .sort(),
    ).toEqual(['auth.login', 'health']);
  });

  async function codeOf(role: Role, path: string): Promise<string | undefined> {
    // Walk the caller to the procedure; no input, so an allowed call stops at validation.
    let target: unknown = callers[role];
    for (const part of path.split('.')) target = (target as Record<string, unknown>)[part];
    try {
      await (target as (input?: unknown) => Promise<unknown>)(undefined);
      return undefined;
    } catch (error) {
      return error instanceof TRPCError ? error.code : 'NOT_A_TRPC_ERROR';
    }
  }

  // auth.logout would end the caller's session for the remaining checks: it goes last.
  const ordered = [...procedures].sort(
    ([a], [b]) => Number(a === 'auth.logout') - Number(b === 'auth.logout'),
  );

  it.each(['public', 'viewer', 'operator', 'admin'] as const)(
    'the middleware lets a %s through exactly where the table says',
    async (role) => {
      for (const [path] of ordered) {
        if (role !== 'public' && path === 'auth.logout') continue;
        const code = await codeOf(role, path);
        const allowed = RANK[role] >= RANK[ROLES[path] ?? 'admin'];
        if (allowed) {
          expect(['UNAUTHORIZED', 'FORBIDDEN'], `${role} on ${path}`).not.toContain(code);
          expect(code, `${role} on ${path}`).not.toBe('INTERNAL_SERVER_ERROR');
        } else {
          expect(code, `${role} on ${path}`).toBe(role === 'public' ? 'UNAUTHORIZED' : 'FORBIDDEN');
        }
      }
    },
  );
});

/**
 * Who may read which audit events. `own`: the user who acted, and admins. An action
 * recorded without a line here fails the suite: every action needs a decision.
 */
const AUDIT: Record<string, 'viewer' | 'operator' | 'admin' | 'own'> = {
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
};

describe('audit events by role', async () => {
  const api = await useApi();
  const users = {
    viewer: await api.signedIn('viewer'),
    operator: await api.signedIn('operator'),
    admin: await api.signedIn('admin'),
  };
  // Only the events recorded below: sign-ins of the users above are not part of it.
  const since = new Date().toISOString();
  // An event stored by an older version under an action no longer known.
  await api.make.auditEvent({ action: 'legacy.thing' });

  it('every audit action has a visibility, and the table knows every action', () => {
    expect(AUDIT_VISIBILITY).toEqual(AUDIT);
  });

  it('refuses to record an action nobody has classified', async () => {
    await expect(
      api.repos.audit.record({ actorId: null, actorEmail: null, action: 'schedules.create' }),
    ).rejects.toThrow(/action/);
  });

  it.each(['viewer', 'operator', 'admin'] as const)(
    'a %s reads exactly the events the table lets it, page after page',
    async (role) => {
      // One event of each action by each of the three users, and one by the system.
      const actors = [...Object.values(users).map((u) => u.user), null];
      for (const action of Object.keys(AUDIT)) {
        for (const actor of actors) {
          await api.repos.audit.record({
            actorId: actor?.id ?? null,
            actorEmail: actor?.email ?? null,
            action,
            targetType: 'test',
            targetId: `${role}-${action}`,
            summary: { email: 'secret-fact@example.net', clientIp: '192.0.2.77' },
          });
        }
      }
      const me = users[role].user;
      const rank = { viewer: 1, operator: 2, admin: 3 };
      const expected: string[] = [];
      for (const [action, seenBy] of Object.entries(AUDIT)) {
        for (const actor of actors) {
          const visible =
            role === 'admin' ||
            (seenBy === 'own'
              ? actor?.id === me.id
              : seenBy !== 'admin' && rank[role] >= rank[seenBy]);
          if (visible) expected.push(`${action} ${actor?.email ?? 'system'}`);
        }
      }
      if (role === 'admin') expected.push('legacy.thing system');

      // Small pages: the filter is applied before paging, so no page comes back short.
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await users[role].caller.audit.list({
          from: since,
          limit: 7,
          ...(cursor && { cursor }),
        });
        if (page.nextCursor) expect(page.items).toHaveLength(7);
        for (const e of page.items) {
          if (e.targetType === 'test' && e.targetId !== `${role}-${e.action}`) continue;
          if (e.targetType !== 'test' && e.action !== 'legacy.thing') continue;
          seen.push(`${e.action} ${e.actorEmail ?? 'system'}`);
        }
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      expect(seen.sort()).toEqual(expected.sort());

      // A filter on a hidden action finds nothing, rather than telling it exists.
      const hidden = await users[role].caller.audit.list({ action: 'users.create' });
      expect(hidden.items.length > 0).toBe(role === 'admin');
    },
  );
});
