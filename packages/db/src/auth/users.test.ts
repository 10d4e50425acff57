import { describe, expect, it } from 'vitest';
import { useTestDatabase } from '../../test/db.js';
import { ConflictError, NotFoundError, ValidationError } from '../errors.js';

const USER_KEYS = ['createdAt', 'disabled', 'email', 'id', 'role', 'updatedAt'];

describe('users repository', async () => {
  const { repos, db } = await useTestDatabase();
  const users = repos.users;

  it('creates a user and returns it without the password hash', async () => {
    const user = await users.create({
      email: 'Ana@Example.net',
      passwordHash: '$argon2id$v=19$secret',
      role: 'operator',
    });
    expect(Object.keys(user).sort()).toEqual(USER_KEYS);
    expect(user).toMatchObject({ email: 'Ana@Example.net', role: 'operator', disabled: false });
    expect(new Date(user.createdAt).toISOString()).toBe(user.createdAt);
    expect(await users.get(user.id)).toEqual(user);
  });

  it('makes a viewer when no role is given', async () => {
    const user = await users.create({ email: 'viewer@example.net', passwordHash: 'h' });
    expect(user.role).toBe('viewer');
  });

  it('refuses a second user with the same e-mail in any case', async () => {
    await users.create({ email: 'dup@example.net', passwordHash: 'h', role: 'viewer' });
    const again = users.create({ email: 'DUP@example.NET', passwordHash: 'h', role: 'viewer' });
    await expect(again).rejects.toThrow(ConflictError);
    await expect(
      users.create({ email: 'Dup@Example.Net', passwordHash: 'h', role: 'viewer' }),
    ).rejects.toThrow('a user with this e-mail already exists');
  });

  it('refuses a bad e-mail, an empty hash and an unknown role, naming the field', async () => {
    const fields = async (p: Promise<unknown>) => {
      const error: unknown = await p.catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ValidationError);
      return Object.keys((error as ValidationError).fieldErrors);
    };
    expect(await fields(users.create({ email: 'not-an-email', passwordHash: 'h' }))).toEqual([
      'email',
    ]);
    expect(await fields(users.create({ email: 'x@example.net', passwordHash: '' }))).toEqual([
      'passwordHash',
    ]);
    expect(
      await fields(
        users.create({ email: 'y@example.net', passwordHash: 'h', role: 'root' as never }),
      ),
    ).toEqual(['role']);
  });

  it('reports a missing user', async () => {
    await expect(users.get(987_654)).rejects.toThrow(new NotFoundError('user', 987_654));
  });

  describe('findByEmail', () => {
    it('finds a user by e-mail in any case, with the hash, for a login check', async () => {
      const user = await users.create({
        email: 'Login@Example.net',
        passwordHash: '$argon2id$login',
        role: 'admin',
      });
      const found = await users.findByEmail('login@EXAMPLE.NET');
      expect(found).toEqual({ ...user, passwordHash: '$argon2id$login' });
      expect(await users.findByEmail('  LOGIN@example.net ')).toEqual(found);
    });

    it('returns undefined for an unknown, empty or absurd e-mail', async () => {
      expect(await users.findByEmail('nobody@example.net')).toBeUndefined();
      expect(await users.findByEmail('')).toBeUndefined();
      expect(await users.findByEmail(`${'a'.repeat(300)}@example.net`)).toBeUndefined();
      // LIKE wildcards are not patterns here.
      expect(await users.findByEmail('%@example.net')).toBeUndefined();
    });

    it('returns disabled users too: the caller refuses them', async () => {
      const user = await users.create({ email: 'off@example.net', passwordHash: 'h' });
      await users.update(user.id, { disabled: true });
      expect((await users.findByEmail('off@example.net'))?.disabled).toBe(true);
    });
  });

  describe('list', () => {
    it('orders by e-mail and filters on text, role and disabled', async () => {
      const made = [
        await users.create({ email: 'list-c@corp.example', passwordHash: 'h', role: 'admin' }),
        await users.create({ email: 'List-A@corp.example', passwordHash: 'h', role: 'viewer' }),
        await users.create({ email: 'list-b@corp.example', passwordHash: 'h', role: 'viewer' }),
        await users.create({ email: 'list_d@corp.example', passwordHash: 'h', role: 'viewer' }),
      ];
      await users.update(made[2]?.id ?? 0, { disabled: true });
      const emails = (list: { email: string }[]) => list.map((u) => u.email);

      const all = await users.list();
      const sorted = [...emails(all)].sort((a, b) =>
        a.toLowerCase() < b.toLowerCase() ? -1 : a.toLowerCase() > b.toLowerCase() ? 1 : 0,
      );
      expect(emails(all)).toEqual(sorted);
      expect(all.every((u) => Object.keys(u).sort().join() === USER_KEYS.join())).toBe(true);

      expect(emails(await users.list({ q: 'CORP.example' }))).toEqual([
        'List-A@corp.example',
        'list-b@corp.example',
        'list-c@corp.example',
        'list_d@corp.example',
      ]);
      // `_` is a character, not a wildcard.
      expect(emails(await users.list({ q: 'list_' }))).toEqual(['list_d@corp.example']);
      expect(emails(await users.list({ q: 'corp', role: 'viewer', disabled: false }))).toEqual([
        'List-A@corp.example',
        'list_d@corp.example',
      ]);
      expect(emails(await users.list({ q: 'corp', disabled: true }))).toEqual([
        'list-b@corp.example',
      ]);
      expect(emails(await users.list({ q: 'corp', role: 'admin' }))).toEqual([
        'list-c@corp.example',
      ]);
    });

    it('refuses a bad filter', async () => {
      await expect(users.list({ role: 'root' as never })).rejects.toThrow(ValidationError);
      await expect(users.list({ nope: 1 } as never)).rejects.toThrow(ValidationError);
    });
  });

  describe('update', () => {
    it('changes e-mail, role and disabled, and moves updatedAt', async () => {
      const user = await users.create({ email: 'upd@example.net', passwordHash: 'h' });
      await db.sequelize.query(
        `UPDATE users SET updated_at = now() - interval '1 hour' WHERE id = $1`,
        { bind: [user.id] },
      );
      const changed = await users.update(user.id, {
        email: 'Updated@example.net',
        role: 'operator',
        disabled: true,
      });
      expect(changed).toMatchObject({
        id: user.id,
        email: 'Updated@example.net',
        role: 'operator',
        disabled: true,
        createdAt: user.createdAt,
      });
      expect(Date.parse(changed.updatedAt)).toBeGreaterThan(Date.now() - 60_000);
      expect(await users.update(user.id, {})).toEqual(changed);
      expect((await users.update(user.id, { disabled: false })).disabled).toBe(false);
    });

    it('lets a user change the case of their own e-mail but not take another', async () => {
      const a = await users.create({ email: 'mine@example.net', passwordHash: 'h' });
      await users.create({ email: 'theirs@example.net', passwordHash: 'h' });
      expect((await users.update(a.id, { email: 'MINE@example.net' })).email).toBe(
        'MINE@example.net',
      );
      await expect(users.update(a.id, { email: 'Theirs@Example.net' })).rejects.toThrow(
        new ConflictError('a user with this e-mail already exists', ['email']),
      );
    });

    it('refuses bad values and a missing user', async () => {
      const user = await users.create({ email: 'bad-upd@example.net', passwordHash: 'h' });
      await expect(users.update(user.id, { email: 'nope' })).rejects.toThrow(ValidationError);
      await expect(users.update(user.id, { role: 'root' as never })).rejects.toThrow(
        ValidationError,
      );
      await expect(users.update(user.id, { passwordHash: 'x' } as never)).rejects.toThrow(
        ValidationError,
      );
      await expect(users.update(876_543, { role: 'viewer' })).rejects.toThrow(NotFoundError);
      await expect(users.update(876_543, { disabled: true })).rejects.toThrow(NotFoundError);
      await expect(users.update(876_543, {})).rejects.toThrow(NotFoundError);
    });
  });

  describe('setPasswordHash', () => {
    it('stores a new hash', async () => {
      const user = await users.create({ email: 'pw@example.net', passwordHash: 'old' });
      await users.setPasswordHash(user.id, 'new');
      expect((await users.findByEmail('pw@example.net'))?.passwordHash).toBe('new');
    });

    it('refuses an empty hash and a missing user', async () => {
      const user = await users.create({ email: 'pw2@example.net', passwordHash: 'old' });
      await expect(users.setPasswordHash(user.id, '')).rejects.toThrow(ValidationError);
      await expect(users.setPasswordHash(765_432, 'new')).rejects.toThrow(
        new NotFoundError('user', 765_432),
      );
      expect((await users.findByEmail('pw2@example.net'))?.passwordHash).toBe('old');
    });
  });
});
