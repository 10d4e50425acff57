import { ApiToken } from '@netauto/schema';
import { describe, expect, it } from 'vitest';
import { useTestDatabase } from '../../test/db.js';
import { ConflictError, InvalidStateError, NotFoundError, ValidationError } from '../errors.js';

const TOKEN_KEYS = [
  'createdAt',
  'expiresAt',
  'id',
  'lastUsedAt',
  'name',
  'prefix',
  'readOnly',
  'revokedAt',
  'userEmail',
  'userId',
];

describe('API tokens repository', async () => {
  const { repos, make, db } = await useTestDatabase();
  const tokens = repos.apiTokens;

  it('creates a token and shows its prefix, never its hash', async () => {
    const user = await make.account({ email: 'ci@example.net' });
    const expiresAt = new Date(Date.now() + 30 * 86_400_000);
    const token = await tokens.create({
      userId: user.id,
      name: 'ci pipeline',
      prefix: 'nat_Ab12',
      tokenHash: 'token-hash-secret',
      readOnly: true,
      expiresAt,
    });
    expect(Object.keys(token).sort()).toEqual(TOKEN_KEYS);
    expect(ApiToken.parse(token)).toEqual(token);
    expect(token).toMatchObject({
      userId: user.id,
      userEmail: 'ci@example.net',
      name: 'ci pipeline',
      prefix: 'nat_Ab12',
      readOnly: true,
      expiresAt: expiresAt.toISOString(),
      lastUsedAt: null,
      revokedAt: null,
    });
    expect(JSON.stringify(token)).not.toContain('token-hash-secret');
    expect(await tokens.get(token.id)).toEqual(token);
  });

  it('makes a token that never expires and may write, unless told otherwise', async () => {
    const user = await make.account();
    const token = await tokens.create({
      userId: user.id,
      name: 'forever',
      prefix: 'nat_x',
      tokenHash: 'hash-forever',
    });
    expect(token).toMatchObject({ expiresAt: null, readOnly: false });
  });

  it('refuses a missing user, a past expiry, an empty name and a reused hash', async () => {
    const user = await make.account();
    const base = { userId: user.id, name: 'n', prefix: 'nat_y' };
    await expect(tokens.create({ ...base, userId: 919_191, tokenHash: 'h1' })).rejects.toThrow(
      new NotFoundError('user', '919191'),
    );
    await expect(
      tokens.create({ ...base, tokenHash: 'h2', expiresAt: new Date(Date.now() - 1000) }),
    ).rejects.toThrow(
      new ValidationError('expiresAt must be in the future', {
        expiresAt: ['must be in the future'],
      }),
    );
    await expect(tokens.create({ ...base, name: '  ', tokenHash: 'h3' })).rejects.toThrow(
      ValidationError,
    );
    await expect(tokens.create({ ...base, tokenHash: '' })).rejects.toThrow(ValidationError);
    await tokens.create({ ...base, tokenHash: 'hash-reused-4567' });
    const error: unknown = await tokens
      .create({ ...base, tokenHash: 'hash-reused-4567' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConflictError);
    expect((error as Error).message).not.toContain('hash-reused-4567');
  });

  describe('findValid', () => {
    it('finds a live token with its user and whether it is read-only', async () => {
      const user = await make.account();
      const { apiToken, tokenHash } = await make.token(user.id, { readOnly: true });
      expect(await tokens.findValid(tokenHash)).toEqual({
        tokenId: apiToken.id,
        readOnly: true,
        user,
      });
      expect(await tokens.findValid('unknown')).toBeUndefined();
    });

    it('does not find a revoked token', async () => {
      const user = await make.account();
      const { apiToken, tokenHash } = await make.token(user.id);
      await tokens.revoke(apiToken.id);
      expect(await tokens.findValid(tokenHash)).toBeUndefined();
    });

    it('does not find an expired token', async () => {
      const user = await make.account();
      const { apiToken, tokenHash } = await make.token(user.id, {
        expiresAt: new Date(Date.now() + 86_400_000),
      });
      expect(await tokens.findValid(tokenHash)).toBeDefined();
      await db.sequelize.query(
        `UPDATE api_tokens SET expires_at = now() - interval '1 second' WHERE id = $1`,
        { bind: [apiToken.id] },
      );
      expect(await tokens.findValid(tokenHash)).toBeUndefined();
    });

    it("does not find a disabled user's token", async () => {
      const user = await make.account();
      const { tokenHash } = await make.token(user.id);
      await repos.users.update(user.id, { disabled: true });
      expect(await tokens.findValid(tokenHash)).toBeUndefined();
    });
  });

  it('tells which of some tokens still work, with their role now', async () => {
    const user = await make.account({ role: 'admin' });
    const other = await make.account({ role: 'viewer' });
    const { apiToken: a } = await make.token(user.id);
    const { apiToken: b } = await make.token(user.id);
    const { apiToken: c } = await make.token(other.id);
    const ids = [a.id, b.id, c.id, 987_654];
    expect(await tokens.stillValid(ids)).toEqual(
      new Map([
        [a.id, 'admin'],
        [b.id, 'admin'],
        [c.id, 'viewer'],
      ]),
    );
    await tokens.revoke(a.id);
    await db.sequelize.query(`UPDATE api_tokens SET expires_at = now() WHERE id = $1`, {
      bind: [b.id],
    });
    await db.sequelize.query(`UPDATE users SET disabled = true WHERE id = $1`, {
      bind: [other.id],
    });
    expect(await tokens.stillValid(ids)).toEqual(new Map());
  });

  it('records use at most once per interval', async () => {
    const user = await make.account();
    const { apiToken } = await make.token(user.id);
    expect(await tokens.touch(apiToken.id)).toBe(true);
    const used = await tokens.get(apiToken.id);
    expect(used.lastUsedAt).not.toBeNull();
    expect(await tokens.touch(apiToken.id)).toBe(false);
    await db.sequelize.query(
      `UPDATE api_tokens SET last_used_at = now() - interval '1 minute' WHERE id = $1`,
      { bind: [apiToken.id] },
    );
    expect(await tokens.touch(apiToken.id)).toBe(true);
    expect(await tokens.touch(818_181)).toBe(false);
  });

  it('lists tokens newest first, of everyone or of one user', async () => {
    const ana = await make.account({ email: 'ana.tokens@example.net' });
    const bob = await make.account({ email: 'bob.tokens@example.net' });
    const a1 = (await make.token(ana.id, { name: 'a1' })).apiToken;
    const b1 = (await make.token(bob.id, { name: 'b1' })).apiToken;
    const a2 = (await make.token(ana.id, { name: 'a2' })).apiToken;
    await tokens.revoke(a1.id);

    const anas = await tokens.list({ userId: ana.id });
    expect(anas.map((t) => t.name)).toEqual(['a2', 'a1']);
    expect(anas.every((t) => t.userEmail === 'ana.tokens@example.net')).toBe(true);
    expect(anas[1]?.revokedAt).not.toBeNull();

    const all = await tokens.list();
    const ids = all.map((t) => t.id);
    expect(ids.indexOf(a2.id)).toBeLessThan(ids.indexOf(b1.id));
    expect(ids.indexOf(b1.id)).toBeLessThan(ids.indexOf(a1.id));
    expect(all.every((t) => Object.keys(t).sort().join() === TOKEN_KEYS.join())).toBe(true);
    expect(await tokens.list({ userId: 929_292 })).toEqual([]);
    await expect(tokens.list({ userId: -1 })).rejects.toThrow(ValidationError);
  });

  it('reports a missing token', async () => {
    await expect(tokens.get(939_393)).rejects.toThrow(new NotFoundError('api token', 939_393));
  });

  it('revokes once', async () => {
    const user = await make.account();
    const { apiToken } = await make.token(user.id);
    const revoked = await tokens.revoke(apiToken.id);
    expect(revoked).toMatchObject({ id: apiToken.id, name: apiToken.name });
    expect(revoked.revokedAt).not.toBeNull();
    await expect(tokens.revoke(apiToken.id)).rejects.toThrow(
      new InvalidStateError('token already revoked'),
    );
    expect((await tokens.get(apiToken.id)).revokedAt).toBe(revoked.revokedAt);
    await expect(tokens.revoke(949_494)).rejects.toThrow(NotFoundError);
  });
});
