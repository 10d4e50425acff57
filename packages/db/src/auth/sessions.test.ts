import { describe, expect, it } from 'vitest';
import { useTestDatabase } from '../../test/db.js';
import { ConflictError, NotFoundError, ValidationError } from '../errors.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe('sessions repository', async () => {
  const { repos, make, db } = await useTestDatabase();
  const sessions = repos.sessions;

  /** Moves a session's times into the past by the given SQL intervals. */
  async function age(sessionId: number, set: string): Promise<void> {
    await db.sequelize.query(`UPDATE sessions SET ${set} WHERE id = $1`, { bind: [sessionId] });
  }

  it('creates a session and returns neither the token nor its hash', async () => {
    const user = await make.account();
    const expiresAt = new Date(Date.now() + DAY);
    const session = await sessions.create({
      userId: user.id,
      tokenHash: 'hash-create',
      expiresAt,
      userAgent: 'curl/8',
      clientIp: '192.0.2.7',
    });
    expect(Object.keys(session).sort()).toEqual([
      'clientIp',
      'createdAt',
      'expiresAt',
      'id',
      'lastUsedAt',
      'userAgent',
      'userId',
    ]);
    expect(session).toMatchObject({
      userId: user.id,
      expiresAt: expiresAt.toISOString(),
      userAgent: 'curl/8',
      clientIp: '192.0.2.7',
    });
    expect(JSON.stringify(session)).not.toContain('hash-create');
    expect(await sessions.get(session.id)).toEqual(session);
  });

  it('takes an ISO expiry, leaves out an unknown client, and cuts a huge user agent', async () => {
    const user = await make.account();
    const session = await sessions.create({
      userId: user.id,
      tokenHash: 'hash-iso',
      expiresAt: '2099-01-01T00:00:00.000Z',
      userAgent: 'x'.repeat(5000),
    });
    expect(session.expiresAt).toBe('2099-01-01T00:00:00.000Z');
    expect(session.clientIp).toBeNull();
    expect(session.userAgent).toHaveLength(512);
  });

  it('refuses a missing user, a bad expiry and a reused hash (without quoting it)', async () => {
    const user = await make.account();
    const expiresAt = new Date(Date.now() + DAY);
    await expect(
      sessions.create({ userId: 909_090, tokenHash: 'hash-orphan', expiresAt }),
    ).rejects.toThrow(new NotFoundError('user', '909090'));
    await expect(
      sessions.create({ userId: user.id, tokenHash: 'h', expiresAt: new Date('nope') }),
    ).rejects.toThrow(ValidationError);
    await expect(sessions.create({ userId: user.id, tokenHash: '', expiresAt })).rejects.toThrow(
      ValidationError,
    );
    await sessions.create({ userId: user.id, tokenHash: 'hash-twice-0123', expiresAt });
    const error: unknown = await sessions
      .create({ userId: user.id, tokenHash: 'hash-twice-0123', expiresAt })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConflictError);
    expect((error as Error).message).not.toContain('hash-twice-0123');
  });

  describe('findValid', () => {
    it('finds a live session with its user', async () => {
      const user = await make.account({ email: 'live@example.net' });
      const { session, tokenHash } = await make.liveSession(user.id);
      const found = await sessions.findValid(tokenHash, { idleMs: HOUR });
      expect(found).toEqual({ sessionId: session.id, expiresAt: session.expiresAt, user });
      expect(JSON.stringify(found)).not.toContain(tokenHash);
      expect(await sessions.findValid('unknown-hash', { idleMs: HOUR })).toBeUndefined();
    });

    it('does not find a session past its absolute expiry, however active', async () => {
      const user = await make.account();
      const { session, tokenHash } = await make.liveSession(user.id);
      await age(session.id, `expires_at = now() - interval '1 second', last_used_at = now()`);
      expect(await sessions.findValid(tokenHash, { idleMs: DAY })).toBeUndefined();
    });

    it('does not find a session idle for longer than idleMs', async () => {
      const user = await make.account();
      const { session, tokenHash } = await make.liveSession(user.id);
      await age(session.id, `last_used_at = now() - interval '2 hours'`);
      expect(await sessions.findValid(tokenHash, { idleMs: HOUR })).toBeUndefined();
      expect((await sessions.findValid(tokenHash, { idleMs: 3 * HOUR }))?.sessionId).toBe(
        session.id,
      );
    });

    it("does not find a disabled user's session", async () => {
      const user = await make.account();
      const { tokenHash } = await make.liveSession(user.id);
      await repos.users.update(user.id, { disabled: true });
      expect(await sessions.findValid(tokenHash, { idleMs: HOUR })).toBeUndefined();
      await repos.users.update(user.id, { disabled: false });
      expect(await sessions.findValid(tokenHash, { idleMs: HOUR })).toBeDefined();
    });

    it('refuses a bad idle time', async () => {
      await expect(sessions.findValid('x', { idleMs: 0 })).rejects.toThrow(ValidationError);
      await expect(sessions.findValid('x', { idleMs: Number.NaN })).rejects.toThrow(
        ValidationError,
      );
    });
  });

  describe('touch', () => {
    it('writes at most once per interval', async () => {
      const user = await make.account();
      const { session } = await make.liveSession(user.id);
      // Just created: used now, so nothing to write.
      expect(await sessions.touch(session.id)).toBe(false);
      await age(session.id, `last_used_at = now() - interval '1 minute'`);
      expect(await sessions.touch(session.id)).toBe(true);
      const touched = await sessions.get(session.id);
      expect(Date.parse(touched.lastUsedAt)).toBeGreaterThan(Date.now() - 30_000);
      expect(await sessions.touch(session.id)).toBe(false);
      expect(await sessions.touch(808_080)).toBe(false);
    });

    it('keeps an active session from going idle', async () => {
      const user = await make.account();
      const { session, tokenHash } = await make.liveSession(user.id);
      await age(session.id, `last_used_at = now() - interval '50 minutes'`);
      expect(await sessions.touch(session.id)).toBe(true);
      await age(session.id, `last_used_at = last_used_at - interval '20 minutes'`);
      // 20 minutes since the touch: still within an hour of idling.
      expect(await sessions.findValid(tokenHash, { idleMs: HOUR })).toBeDefined();
    });
  });

  describe('ending sessions', () => {
    it('deletes one session by id or by token hash', async () => {
      const user = await make.account();
      const a = await make.liveSession(user.id);
      const b = await make.liveSession(user.id);
      expect(await sessions.delete(a.session.id)).toBe(true);
      expect(await sessions.delete(a.session.id)).toBe(false);
      expect(await sessions.findValid(a.tokenHash, { idleMs: HOUR })).toBeUndefined();
      expect(await sessions.deleteByTokenHash(b.tokenHash)).toBe(true);
      expect(await sessions.deleteByTokenHash(b.tokenHash)).toBe(false);
      expect(await sessions.findValid(b.tokenHash, { idleMs: HOUR })).toBeUndefined();
      await expect(sessions.get(a.session.id)).rejects.toThrow(NotFoundError);
    });

    it("deletes a user's sessions, but the one in use when asked", async () => {
      const user = await make.account();
      const other = await make.account();
      const current = await make.liveSession(user.id);
      await make.liveSession(user.id);
      await make.liveSession(user.id);
      const others = await make.liveSession(other.id);
      expect(await sessions.deleteForUser(user.id, { exceptSessionId: current.session.id })).toBe(
        2,
      );
      expect((await sessions.listForUser(user.id)).map((s) => s.id)).toEqual([current.session.id]);
      expect(await sessions.findValid(current.tokenHash, { idleMs: HOUR })).toBeDefined();
      expect(await sessions.deleteForUser(user.id)).toBe(1);
      expect(await sessions.deleteForUser(user.id)).toBe(0);
      expect(await sessions.findValid(others.tokenHash, { idleMs: HOUR })).toBeDefined();
    });

    it('purges expired and idle sessions, and counts the live ones', async () => {
      await sessions.purgeExpired(HOUR);
      const user = await make.account();
      const live = await make.liveSession(user.id);
      const expired = await make.liveSession(user.id);
      const idle = await make.liveSession(user.id);
      await age(expired.session.id, `expires_at = now() - interval '1 minute'`);
      await age(idle.session.id, `last_used_at = now() - interval '61 minutes'`);
      const before = await sessions.countActive(HOUR);
      expect(await sessions.purgeExpired(HOUR)).toBe(2);
      expect(await sessions.countActive(HOUR)).toBe(before);
      expect((await sessions.listForUser(user.id)).map((s) => s.id)).toEqual([live.session.id]);
      expect(await sessions.purgeExpired(HOUR)).toBe(0);
      await expect(sessions.purgeExpired(-1)).rejects.toThrow(ValidationError);
    });

    it('tells which of some sessions still stand, with their role now', async () => {
      const user = await make.account({ role: 'operator' });
      const a = await make.liveSession(user.id);
      const b = await make.liveSession(user.id);
      const idle = await make.liveSession(user.id);
      await age(idle.session.id, `last_used_at = now() - interval '30 days'`);
      const ids = [a.session.id, b.session.id, idle.session.id, 987_654];
      expect(await sessions.stillValid(ids)).toEqual(
        new Map([
          [a.session.id, 'operator'],
          [b.session.id, 'operator'],
          // A stream in progress is use: idle time does not end it.
          [idle.session.id, 'operator'],
        ]),
      );
      await sessions.delete(a.session.id);
      await db.sequelize.query(`UPDATE users SET role = 'viewer' WHERE id = $1`, {
        bind: [user.id],
      });
      expect(await sessions.stillValid(ids)).toEqual(
        new Map([
          [b.session.id, 'viewer'],
          [idle.session.id, 'viewer'],
        ]),
      );
      await age(b.session.id, `expires_at = now() - interval '1 second'`);
      await db.sequelize.query(`UPDATE users SET disabled = true WHERE id = $1`, {
        bind: [user.id],
      });
      expect(await sessions.stillValid(ids)).toEqual(new Map());
      expect(await sessions.stillValid([])).toEqual(new Map());
    });

    it('goes with its user', async () => {
      const user = await make.user();
      const { tokenHash } = await make.liveSession(user.id);
      await db.sequelize.query('DELETE FROM users WHERE id = $1', { bind: [user.id] });
      expect(await sessions.findValid(tokenHash, { idleMs: HOUR })).toBeUndefined();
    });
  });
});
