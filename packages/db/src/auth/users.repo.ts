import { Email, UserRole, type User } from '@netauto/schema';
import { z } from 'zod';
import { InvalidStateError, NotFoundError } from '../errors.js';
import {
  containsPattern,
  inTransaction,
  iso,
  parseInput,
  select,
  selectOne,
  type Executor,
} from '../sql.js';

export const USER_COLUMNS = `u.id, u.email, u.role, u.disabled,
  u.created_at AS "createdAt", u.updated_at AS "updatedAt"`;

export interface UserRow extends Omit<User, 'createdAt' | 'updatedAt'> {
  createdAt: Date;
  updatedAt: Date;
}

export function toUser(row: UserRow): User {
  return {
    id: row.id,
    email: row.email,
    role: row.role,
    disabled: row.disabled,
    createdAt: iso(row.createdAt),
    updatedAt: iso(row.updatedAt),
  };
}

/** A user with the stored password hash: for checking a login, and nothing else. */
export interface UserWithSecret extends User {
  passwordHash: string;
}

const PasswordHash = z
  .string()
  .min(1, 'password hash must not be empty')
  .max(1024, 'password hash must be at most 1024 characters');

const UserCreateRecord = z.strictObject({
  email: Email,
  passwordHash: PasswordHash,
  role: UserRole.default('viewer'),
});
/** What `UsersRepo.create` stores: the hash, never a password. */
export type UserCreateRecord = z.input<typeof UserCreateRecord>;

const UserPatchRecord = z.strictObject({
  email: Email.optional(),
  role: UserRole.optional(),
  disabled: z.boolean().optional(),
});
export type UserPatchRecord = z.input<typeof UserPatchRecord>;

const UserFilter = z.strictObject({
  /** Text anywhere in the e-mail, without regard to case. */
  q: z.string().trim().max(254).optional(),
  role: UserRole.optional(),
  disabled: z.boolean().optional(),
});
export type UserFilter = z.input<typeof UserFilter>;

export class UsersRepo {
  constructor(private readonly ex: Executor) {}

  /** A new user; the e-mail is unique without regard to case. */
  async create(input: UserCreateRecord): Promise<User> {
    const u = parseInput(UserCreateRecord, input);
    const row = await selectOne<UserRow>(
      this.ex,
      `INSERT INTO users AS u (email, password_hash, role) VALUES ($1, $2, $3)
       RETURNING ${USER_COLUMNS}`,
      [u.email, u.passwordHash, u.role],
    );
    return toUser(row as UserRow);
  }

  async get(id: number): Promise<User> {
    const row = await selectOne<UserRow>(
      this.ex,
      `SELECT ${USER_COLUMNS} FROM users u WHERE u.id = $1`,
      [id],
    );
    if (!row) throw new NotFoundError('user', id);
    return toUser(row);
  }

  /**
   * The user with this e-mail (any case) and its password hash, for a login check.
   * Disabled users are returned too: the caller decides what that means.
   */
  async findByEmail(email: string): Promise<UserWithSecret | undefined> {
    const wanted = email.trim();
    if (wanted === '' || wanted.length > 254) return undefined;
    const row = await selectOne<UserRow & { passwordHash: string }>(
      this.ex,
      `SELECT ${USER_COLUMNS}, u.password_hash AS "passwordHash"
       FROM users u WHERE lower(u.email) = lower($1)`,
      [wanted],
    );
    return row && { ...toUser(row), passwordHash: row.passwordHash };
  }

  /** Every user matching the filters, ordered by e-mail. */
  async list(filter: UserFilter = {}): Promise<User[]> {
    const f = parseInput(UserFilter, filter);
    const where: string[] = [];
    const bind: unknown[] = [];
    const add = (sql: (p: string) => string, value: unknown) => {
      bind.push(value);
      where.push(sql(`$${bind.length}`));
    };
    if (f.q) add((p) => `u.email ILIKE ${p}`, containsPattern(f.q));
    if (f.role !== undefined) add((p) => `u.role = ${p}`, f.role);
    if (f.disabled !== undefined) add((p) => `u.disabled = ${p}`, f.disabled);
    const rows = await select<UserRow>(
      this.ex,
      `SELECT ${USER_COLUMNS} FROM users u
       ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY lower(u.email), u.id`,
      bind,
    );
    return rows.map(toUser);
  }

  /**
   * Changes the given fields. Demoting or disabling the last active admin is refused
   * (InvalidStateError): with no admin left, nobody could manage users again.
   */
  async update(id: number, patch: UserPatchRecord): Promise<User> {
    const p = parseInput(UserPatchRecord, patch, 'patch');
    const sets: string[] = [];
    const bind: unknown[] = [id];
    const set = (column: string, value: unknown) => {
      bind.push(value);
      sets.push(`${column} = $${bind.length}`);
    };
    if (p.email !== undefined) set('email', p.email);
    if (p.role !== undefined) set('role', p.role);
    if (p.disabled !== undefined) set('disabled', p.disabled);
    if (sets.length === 0) return this.get(id);
    sets.push('updated_at = now()');
    const statement = `UPDATE users AS u SET ${sets.join(', ')} WHERE u.id = $1
      RETURNING ${USER_COLUMNS}`;

    const mayRemoveAdmin = (p.role !== undefined && p.role !== 'admin') || p.disabled === true;
    if (!mayRemoveAdmin) {
      const row = await selectOne<UserRow>(this.ex, statement, bind);
      if (!row) throw new NotFoundError('user', id);
      return toUser(row);
    }
    return inTransaction(this.ex, async (tx) => {
      // Lock the active admins so that two concurrent demotions cannot both pass.
      const admins = await select<{ id: number }>(
        tx,
        `SELECT id FROM users WHERE role = 'admin' AND NOT disabled ORDER BY id FOR UPDATE`,
      );
      const current = await this.getIn(tx, id);
      const isActiveAdmin = admins.some((a) => a.id === id);
      if (isActiveAdmin && admins.length === 1) {
        throw new InvalidStateError(
          `${current.email} is the last active admin and cannot be demoted or disabled`,
        );
      }
      const row = await selectOne<UserRow>(tx, statement, bind);
      if (!row) throw new NotFoundError('user', id);
      return toUser(row);
    });
  }

  /** Stores a new password hash. */
  async setPasswordHash(id: number, passwordHash: string): Promise<void> {
    const hash = parseInput(PasswordHash, passwordHash, 'passwordHash');
    const row = await selectOne<{ id: number }>(
      this.ex,
      `UPDATE users SET password_hash = $2, updated_at = now() WHERE id = $1 RETURNING id`,
      [id, hash],
    );
    if (!row) throw new NotFoundError('user', id);
  }

  /** How many users are admins and not disabled. */
  async countActiveAdmins(): Promise<number> {
    const row = await selectOne<{ n: number }>(
      this.ex,
      `SELECT count(*)::int AS n FROM users WHERE role = 'admin' AND NOT disabled`,
    );
    return row?.n ?? 0;
  }

  private getIn(ex: Executor, id: number): Promise<User> {
    return new UsersRepo(ex).get(id);
  }
}
