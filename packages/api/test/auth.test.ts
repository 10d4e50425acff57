import { TRPCError } from '@trpc/server';
import { describe, expect, it } from 'vitest';
import { createContext } from '../src/context.js';
import { createCaller, PASSWORD, requestInfo, useApi } from './api.js';

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  return promise.then(
    () => undefined,
    (e: unknown) => (e instanceof TRPCError ? e.code : 'NOT_A_TRPC_ERROR'),
  );
}

describe('sign-in and sessions', async () => {
  const api = await useApi();
  const { services, db } = api;
  const as = async (headers: Record<string, string>, ip?: string) =>
    createCaller(await createContext(services, requestInfo(headers, ip)));

  it('signs in with e-mail and password and sets a safe session cookie', async () => {
    const { cookie, caller, user } = await api.signedIn('operator', 'Mixed.Case@Example.net');
    expect(cookie).toMatch(/^netauto_session=[A-Za-z0-9_-]{43}$/);
    const me = await caller.auth.me();
    expect(me).toMatchObject({
      id: user.id,
      email: 'Mixed.Case@Example.net',
      role: 'operator',
      via: 'session',
    });
    expect(me).not.toHaveProperty('passwordHash');

    // E-mail is matched without regard to case; the cookie is HttpOnly, SameSite=Lax.
    const login = requestInfo();
    await createCaller({ services, identity: null, request: login }).auth.login({
      email: 'mixed.case@example.NET',
      password: PASSWORD,
    });
    expect(login.cookies[0]).toMatch(/; Path=\/; HttpOnly; SameSite=Lax; Max-Age=\d+$/);
    // Only the SHA-256 of the token is stored.
    const token = login.cookies[0]?.split(';')[0]?.split('=')[1] ?? '';
    const [rows] = await db.sequelize.query(`SELECT token_hash FROM sessions`);
    const hashes = (rows as { token_hash: string }[]).map((r) => r.token_hash);
    expect(hashes).not.toContain(token);
    expect(hashes.every((h) => /^[0-9a-f]{64}$/.test(h))).toBe(true);
  });

  it('gives the same answer for an unknown e-mail and a wrong password', async () => {
    await api.signedIn('viewer', 'known@example.net');
    const anon = api.anonymous();
    const unknown = await anon.auth
      .login({ email: 'nobody@example.net', password: 'whatever12' })
      .catch((e: unknown) => e);
    const wrong = await anon.auth
      .login({ email: 'known@example.net', password: 'whatever12' })
      .catch((e: unknown) => e);
    expect(unknown).toBeInstanceOf(TRPCError);
    expect(wrong).toBeInstanceOf(TRPCError);
    expect([(unknown as TRPCError).code, (unknown as TRPCError).message]).toEqual([
      (wrong as TRPCError).code,
      (wrong as TRPCError).message,
    ]);
    expect((wrong as TRPCError).message).toBe('e-mail or password is wrong');
  });

  /** A sign-in from `ip`: undefined when it worked, else the error's code and message. */
  async function signIn(email: string, password: string, ip: string) {
    return (await as({}, ip)).auth.login({ email, password }).then(
      () => undefined,
      (e: unknown) => (e instanceof TRPCError ? `${e.code}: ${e.message}` : 'NOT_A_TRPC_ERROR'),
    );
  }
  const WRONG = 'UNAUTHORIZED: e-mail or password is wrong';

  it('stops one address after 5 failures for one e-mail, even with the right password next', async () => {
    await api.signedIn('viewer', 'target@example.net');
    for (let i = 0; i < 5; i++) {
      expect(await signIn('target@example.net', 'wrong-password', '198.51.100.1')).toBe(WRONG);
    }
    expect(await signIn('target@example.net', PASSWORD, '198.51.100.1')).toBe(
      'TOO_MANY_REQUESTS: too many failed sign-ins; try again in 15 minutes',
    );

    // Failures older than the window no longer count.
    await db.sequelize.query(
      `UPDATE login_failures SET created_at = created_at - interval '16 minutes'
       WHERE email = 'target@example.net'`,
    );
    expect(await signIn('target@example.net', PASSWORD, '198.51.100.1')).toBeUndefined();
  });

  it('makes an address that goes on guessing wait longer each time', async () => {
    await api.signedIn('viewer', 'stubborn@example.net');
    const ip = '198.51.100.2';
    for (let i = 0; i < 5; i++) {
      expect(await signIn('stubborn@example.net', 'guess', ip)).toBe(WRONG);
    }
    await db.sequelize.query(
      `UPDATE login_failures SET created_at = created_at - interval '16 minutes'
       WHERE email = 'stubborn@example.net'`,
    );
    for (let i = 0; i < 5; i++) {
      expect(await signIn('stubborn@example.net', 'guess again', ip)).toBe(WRONG);
    }
    expect(await signIn('stubborn@example.net', 'guess', ip)).toBe(
      'TOO_MANY_REQUESTS: too many failed sign-ins; try again in 30 minutes',
    );
  });

  it("lets the admin in from another address while an attacker's address fails 50 times", async () => {
    await api.signedIn('admin', 'boss@example.net');
    const codes: string[] = [];
    for (let i = 0; i < 50; i++) {
      codes.push((await signIn('boss@example.net', `guess-${i}`, '203.0.113.66')) ?? 'OK');
    }
    // Guessing stays slow: five tries, then the attacker waits.
    expect(codes.slice(0, 5)).toEqual(Array(5).fill(WRONG));
    expect(codes.slice(5).every((c) => c.startsWith('TOO_MANY_REQUESTS: '))).toBe(true);
    // The admin, from an address never seen before, is not locked out by it.
    expect(await signIn('boss@example.net', PASSWORD, '198.51.100.77')).toBeUndefined();
  });

  it('slows down guesses for one account from many addresses, but not its owner at a known address', async () => {
    await api.signedIn('admin', 'popular@example.net');
    // The owner signed in from the office before: that address has proven itself.
    expect(await signIn('popular@example.net', PASSWORD, '192.0.2.10')).toBeUndefined();
    for (let i = 0; i < 20; i++) {
      expect(await signIn('popular@example.net', `guess-${i}`, `203.0.113.${100 + i}`)).toBe(WRONG);
    }
    // Past 20 failures from anywhere, each further try waits, wherever it comes from...
    expect(await signIn('popular@example.net', 'guess', '203.0.113.200')).toMatch(
      /^TOO_MANY_REQUESTS: too many failed sign-ins; try again in \d+ seconds?$/,
    );
    expect(await signIn('popular@example.net', PASSWORD, '198.51.100.200')).toMatch(
      /^TOO_MANY_REQUESTS: /,
    );
    // ...but not the owner at the address that has proven itself.
    expect(await signIn('popular@example.net', PASSWORD, '192.0.2.10')).toBeUndefined();
  });

  it("does not lock colleagues out behind one office address for one user's typos", async () => {
    await api.signedIn('viewer', 'typo@example.net');
    await api.signedIn('viewer', 'colleague@example.net');
    const office = '192.0.2.200';
    const typos: string[] = [];
    for (let i = 0; i < 10; i++) {
      typos.push((await signIn('typo@example.net', `oops-${i}`, office)) ?? 'OK');
    }
    expect(typos.filter((c) => c === WRONG)).toHaveLength(5);
    expect(await signIn('colleague@example.net', PASSWORD, office)).toBeUndefined();
  });

  it('counts an IPv6 client by its /64 network, and an IPv4-mapped one as IPv4', async () => {
    await api.signedIn('viewer', 'six@example.net');
    for (let i = 0; i < 5; i++) {
      expect(await signIn('six@example.net', 'guess', `2001:db8:1:2::${i + 1}`)).toBe(WRONG);
    }
    // Another address of the same /64 (one client holds it whole) waits...
    expect(await signIn('six@example.net', PASSWORD, '2001:db8:1:2:ffff::9')).toMatch(
      /^TOO_MANY_REQUESTS: /,
    );
    // ...but not another network.
    expect(await signIn('six@example.net', PASSWORD, '2001:db8:1:3::1')).toBeUndefined();

    await api.signedIn('viewer', 'mapped@example.net');
    for (let i = 0; i < 5; i++) {
      expect(await signIn('mapped@example.net', 'guess', '::ffff:198.51.100.44')).toBe(WRONG);
    }
    expect(await signIn('mapped@example.net', PASSWORD, '198.51.100.44')).toMatch(
      /^TOO_MANY_REQUESTS: /,
    );
  });

  it('counts parallel guesses one after the other: exactly 5 get through to a password check', async () => {
    await api.signedIn('viewer', 'parallel@example.net');
    const codes = await Promise.all(
      Array.from({ length: 12 }, async () =>
        codeOf(
          (await as({}, '192.0.2.100')).auth.login({
            email: 'parallel@example.net',
            password: `guess`,
          }),
        ),
      ),
    );
    expect(codes.filter((c) => c === 'UNAUTHORIZED')).toHaveLength(5);
    expect(codes.filter((c) => c === 'TOO_MANY_REQUESTS')).toHaveLength(7);
  });

  it('stops one address trying many e-mails after 50 failures', async () => {
    const codes: string[] = [];
    for (let i = 0; i < 55; i++) {
      codes.push((await signIn(`spray${i}@example.net`, 'Winter2024!', '203.0.113.7')) ?? 'OK');
    }
    expect(codes.slice(0, 50)).toEqual(Array(50).fill(WRONG));
    expect(codes.slice(50)).toEqual(
      Array(5).fill('TOO_MANY_REQUESTS: too many failed sign-ins; try again in 15 minutes'),
    );
    // Elsewhere, those e-mails are not held up.
    expect(await signIn('spray1@example.net', 'Winter2024!', '198.51.100.150')).toBe(WRONG);
  });

  it('ends a session at logout, after idle time and at its absolute expiry', async () => {
    const a = await api.signedIn('viewer');
    await a.caller.auth.logout();
    expect(await codeOf((await as({ cookie: a.cookie })).auth.me())).toBe('UNAUTHORIZED');

    const b = await api.signedIn('viewer');
    await db.sequelize.query(
      `UPDATE sessions SET last_used_at = now() - interval '13 hours' WHERE user_id = ${b.user.id}`,
    );
    expect(await codeOf((await as({ cookie: b.cookie })).auth.me())).toBe('UNAUTHORIZED');

    const c = await api.signedIn('viewer');
    await db.sequelize.query(
      `UPDATE sessions SET expires_at = now() - interval '1 second' WHERE user_id = ${c.user.id}`,
    );
    expect(await codeOf((await as({ cookie: c.cookie })).auth.me())).toBe('UNAUTHORIZED');
  });

  it('a password change ends the other sessions and keeps this one', async () => {
    const first = await api.signedIn('operator', 'changer@example.net');
    const login = requestInfo();
    await createCaller({ services, identity: null, request: login }).auth.login({
      email: 'changer@example.net',
      password: PASSWORD,
    });
    const second = login.cookies[0]?.split(';')[0] ?? '';
    expect(
      await codeOf(
        first.caller.auth.changePassword({ currentPassword: 'nope', newPassword: 'n'.repeat(12) }),
      ),
    ).toBe('FORBIDDEN');
    expect(
      await codeOf(
        first.caller.auth.changePassword({ currentPassword: PASSWORD, newPassword: 'short' }),
      ),
    ).toBe('BAD_REQUEST');
    await first.caller.auth.changePassword({
      currentPassword: PASSWORD,
      newPassword: 'a brand new secret',
    });
    expect((await (await as({ cookie: first.cookie })).auth.me()).email).toBe(
      'changer@example.net',
    );
    expect(await codeOf((await as({ cookie: second })).auth.me())).toBe('UNAUTHORIZED');
    expect(
      await codeOf(
        api.anonymous().auth.login({ email: 'changer@example.net', password: PASSWORD }),
      ),
    ).toBe('UNAUTHORIZED');
  });

  it('a disabled user can neither sign in nor use a session or token', async () => {
    const admin = await api.signedIn('admin');
    const victim = await api.signedIn('operator', 'leaver@example.net');
    const { token } = await victim.caller.auth.tokens.create({ name: 'laptop' });
    await admin.caller.admin.users.update({ id: victim.user.id, disabled: true });
    expect(await codeOf((await as({ cookie: victim.cookie })).auth.me())).toBe('UNAUTHORIZED');
    expect(await codeOf((await as({ authorization: `Bearer ${token}` })).auth.me())).toBe(
      'UNAUTHORIZED',
    );
    expect(
      await codeOf(api.anonymous().auth.login({ email: 'leaver@example.net', password: PASSWORD })),
    ).toBe('UNAUTHORIZED');
  });

  it('an admin password reset ends sessions and revokes the API tokens', async () => {
    const admin = await api.signedIn('admin');
    const user = await api.signedIn('operator', 'reset-me@example.net');
    const { token } = await user.caller.auth.tokens.create({ name: 'laptop' });
    await admin.caller.admin.users.resetPassword({
      id: user.user.id,
      password: 'a whole new secret',
    });
    expect(await codeOf((await as({ cookie: user.cookie })).auth.me())).toBe('UNAUTHORIZED');
    expect(await codeOf((await as({ authorization: `Bearer ${token}` })).auth.me())).toBe(
      'UNAUTHORIZED',
    );
    await api
      .anonymous()
      .auth.login({ email: 'reset-me@example.net', password: 'a whole new secret' });
  });

  it('refuses to demote or disable the last active admin', async () => {
    const admins = await services.users.list({ role: 'admin', disabled: false });
    const me = await api.signedIn('admin');
    for (const other of admins)
      await me.caller.admin.users.update({ id: other.id, disabled: true });
    expect(await codeOf(me.caller.admin.users.update({ id: me.user.id, role: 'operator' }))).toBe(
      'PRECONDITION_FAILED',
    );
    expect((await me.caller.admin.users.byId({ id: me.user.id })).role).toBe('admin');
  });
});

describe('API tokens', async () => {
  const api = await useApi();
  const { services, db } = api;
  const bearer = async (token: string) =>
    createCaller(await createContext(services, requestInfo({ authorization: `Bearer ${token}` })));

  it('shows a token once, stores only its hash, lists it by prefix and revokes it', async () => {
    const op = await api.signedIn('operator');
    const created = await op.caller.auth.tokens.create({ name: 'ci', expiresInDays: 30 });
    expect(created.token).toMatch(/^nat_[A-Za-z0-9_-]{43}$/);
    expect(created.apiToken).toMatchObject({
      name: 'ci',
      prefix: created.token.slice(0, 12),
      readOnly: false,
    });
    expect(JSON.stringify(await op.caller.auth.tokens.list())).not.toContain(created.token);
    const [rows] = await db.sequelize.query(`SELECT token_hash FROM api_tokens`);
    expect(JSON.stringify(rows)).not.toContain(created.token);

    const viaToken = await bearer(created.token);
    expect(await viaToken.auth.me()).toMatchObject({ id: op.user.id, via: 'token' });
    await viaToken.devices.create({
      hostname: 'tok1',
      ip: '192.0.2.50',
      username: 'u',
      credRef: 'LAB',
    });

    await op.caller.auth.tokens.revoke({ id: created.apiToken.id });
    expect(await codeOf((await bearer(created.token)).auth.me())).toBe('UNAUTHORIZED');
    expect(await codeOf(op.caller.auth.tokens.revoke({ id: created.apiToken.id }))).toBe(
      'PRECONDITION_FAILED',
    );
  });

  it('a read-only token reads but changes nothing', async () => {
    const op = await api.signedIn('operator');
    const { token } = await op.caller.auth.tokens.create({ name: 'grafana', readOnly: true });
    const ro = await bearer(token);
    expect((await ro.devices.list()).items).toBeDefined();
    const error = await ro.groups.create({ name: 'nope' }).then(
      () => undefined,
      (e: unknown) => e as TRPCError,
    );
    expect([error?.code, error?.message]).toEqual(['FORBIDDEN', 'this API token is read-only']);
  });

  it('a read-only token of a viewer revokes itself, at logout or by its id, and is then refused', async () => {
    const viewer = await api.signedIn('viewer');
    const first = await viewer.caller.auth.tokens.create({ name: 'cli', readOnly: true });
    const second = await viewer.caller.auth.tokens.create({ name: 'cli 2', readOnly: true });
    const other = await viewer.caller.auth.tokens.create({ name: 'kept', readOnly: true });

    // Through logout: the token the call came with ends.
    const viaLogout = await bearer(first.token);
    expect(await viaLogout.auth.logout()).toEqual({ ok: true });
    expect(await codeOf((await bearer(first.token)).auth.me())).toBe('UNAUTHORIZED');

    // By its id, as `netauto logout` asks: a token may always revoke itself...
    const ro = await bearer(second.token);
    expect((await ro.auth.tokens.revoke({ id: second.apiToken.id })).revokedAt).not.toBeNull();
    expect(await codeOf((await bearer(second.token)).auth.me())).toBe('UNAUTHORIZED');

    // ...but a read-only token revokes nothing else, not even its owner's other tokens.
    const kept = await bearer(other.token);
    const mine = await viewer.caller.auth.tokens.create({ name: 'sibling' });
    const refused = await kept.auth.tokens.revoke({ id: mine.apiToken.id }).then(
      () => undefined,
      (e: unknown) => e as TRPCError,
    );
    expect([refused?.code, refused?.message]).toEqual(['FORBIDDEN', 'this API token is read-only']);
    expect(await codeOf((await bearer(mine.token)).auth.me())).toBeUndefined();
    expect(await codeOf((await bearer(other.token)).auth.me())).toBeUndefined();
    // Still read-only for everything else.
    expect(await codeOf(kept.auth.tokens.create({ name: 'more' }))).toBe('FORBIDDEN');
    expect(
      await codeOf(
        kept.auth.changePassword({ currentPassword: PASSWORD, newPassword: 'another long secret' }),
      ),
    ).toBe('FORBIDDEN');

    // The audit log says who revoked which token.
    const events = await api.repos.audit.list({ action: 'tokens.revoke' });
    expect(events.items.map((e) => e.targetId)).toEqual(
      expect.arrayContaining([String(first.apiToken.id), String(second.apiToken.id)]),
    );
  });

  it("a viewer cannot revoke another user's token, not with its session, a token or logout", async () => {
    const viewer = await api.signedIn('viewer');
    const owner = await api.signedIn('operator');
    const target = await owner.caller.auth.tokens.create({ name: 'theirs' });
    const rw = await viewer.caller.auth.tokens.create({ name: 'viewer rw' });
    const ro = await viewer.caller.auth.tokens.create({ name: 'viewer ro', readOnly: true });
    expect(await codeOf(viewer.caller.auth.tokens.revoke({ id: target.apiToken.id }))).toBe(
      'NOT_FOUND',
    );
    expect(
      await codeOf((await bearer(rw.token)).auth.tokens.revoke({ id: target.apiToken.id })),
    ).toBe('NOT_FOUND');
    expect(
      await codeOf((await bearer(ro.token)).auth.tokens.revoke({ id: target.apiToken.id })),
    ).toBe('NOT_FOUND');
    await (await bearer(ro.token)).auth.logout();
    expect(await codeOf((await bearer(target.token)).auth.me())).toBeUndefined();
    expect(await codeOf((await bearer(rw.token)).auth.me())).toBeUndefined();
    expect(await codeOf((await bearer(ro.token)).auth.me())).toBe('UNAUTHORIZED');
  });

  it('refuses an expired token and a made-up one', async () => {
    const op = await api.signedIn('operator');
    const { token, apiToken } = await op.caller.auth.tokens.create({
      name: 'old',
      expiresInDays: 1,
    });
    await db.sequelize.query(
      `UPDATE api_tokens SET expires_at = now() - interval '1 minute' WHERE id = ${apiToken.id}`,
    );
    expect(await codeOf((await bearer(token)).auth.me())).toBe('UNAUTHORIZED');
    expect(await codeOf((await bearer('nat_madeup')).auth.me())).toBe('UNAUTHORIZED');
  });

  it("one user cannot revoke another user's token; an admin can", async () => {
    const a = await api.signedIn('operator');
    const b = await api.signedIn('operator');
    const admin = await api.signedIn('admin');
    const { apiToken } = await a.caller.auth.tokens.create({ name: 'mine' });
    expect(await codeOf(b.caller.auth.tokens.revoke({ id: apiToken.id }))).toBe('NOT_FOUND');
    expect((await admin.caller.admin.tokens.list({ userId: a.user.id })).map((t) => t.id)).toEqual([
      apiToken.id,
    ]);
    expect((await admin.caller.admin.tokens.revoke({ id: apiToken.id })).revokedAt).not.toBeNull();
  });
});
