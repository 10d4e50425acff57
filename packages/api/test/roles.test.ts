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
