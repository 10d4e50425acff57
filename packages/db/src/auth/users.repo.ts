import { Email, UserRole, type User } from '@netauto/schema';
import { col, fn, Op, where } from 'sequelize';
import { z } from 'zod';
import { InvalidStateError, NotFoundError } from '../errors.js';
import { User as UserModel } from '../models/index.js';
import { containsPattern, guarded, inTransaction, iso, parseInput, type Executor } from '../sql.js';

export const USER_COLUMNS = `u.id, u.email, u.role, u.disabled,
  u.created_at AS "createdAt", u.updated_at AS "updatedAt"`;

export interface UserRow extends Omit<User, 'createdAt' | 'updatedAt'> {
  createdAt: Date;
  updatedAt: Date;
}

/** The columns a user is read with: never its password hash. */
const USER_ATTRIBUTES = ['id', 'email', 'role', 'disabled', 'createdAt', 'updatedAt'];

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

  private get model() {
    return this.ex.sequelize.getRepository(UserModel);
  }

  private get transaction() {
    return this.ex.transaction ?? null;
  }

  /** A new user; the e-mail is unique without regard to case. */
  async create(input: UserCreateRecord): Promise<User> {
    const u = parseInput(UserCreateRecord, input);
    const row = await guarded(
      this.model.create(
        { email: u.email, passwordHash: u.passwordHash, role: u.role },
        { transaction: this.transaction },
      ),
    );
    return toUser(row);
  }

  async get(id: number): Promise<User> {
    const row = await guarded(
      this.model.findByPk(id, { attributes: USER_ATTRIBUTES, transaction: this.transaction }),
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
    const row = await guarded(
      this.model.findOne({
        where: where(fn('lower', col('email')), fn('lower', wanted)),
        transaction: this.transaction,
      }),
    );
    return row ? { ...toUser(row), passwordHash: row.passwordHash } : undefined;
  }

  /** Every user matching the filters, ordered by e-mail. */
  async list(filter: UserFilter = {}): Promise<User[]> {
    const f = parseInput(UserFilter, filter);
    const rows = await guarded(
      this.model.findAll({
        attributes: USER_ATTRIBUTES,
        where: {
          ...(f.q && { email: { [Op.iLike]: containsPattern(f.q) } }),
          ...(f.role !== undefined && { role: f.role }),
          ...(f.disabled !== undefined && { disabled: f.disabled }),
        },
        order: [
          [fn('lower', col('email')), 'ASC'],
          ['id', 'ASC'],
        ],
        transaction: this.transaction,
      }),
    );
    return rows.map(toUser);
  }

  /**
   * Changes the given fields. Demoting or disabling the last active admin is refused
   * (InvalidStateError): with no admin left, nobody could manage users again.
   */
  async update(id: number, patch: UserPatchRecord): Promise<User> {
    const p = parseInput(UserPatchRecord, patch, 'patch');
    const changes = {
      ...(p.email !== undefined && { email: p.email }),
      ...(p.role !== undefined && { role: p.role }),
      ...(p.disabled !== undefined && { disabled: p.disabled }),
    };
    if (Object.keys(changes).length === 0) return this.get(id);
    const mayRemoveAdmin = (p.role !== undefined && p.role !== 'admin') || p.disabled === true;
    if (!mayRemoveAdmin) return new UsersRepo(this.ex).apply(id, changes);
    return inTransaction(this.ex, async (tx) => {
      const repo = new UsersRepo(tx);
      // Lock the active admins so that two concurrent demotions cannot both pass.
      const admins = await guarded(
        repo.model.findAll({
          attributes: ['id'],
          where: { role: 'admin', disabled: false },
          order: [['id', 'ASC']],
          lock: true,
          transaction: repo.transaction,
        }),
      );
      const current = await repo.get(id);
      const isActiveAdmin = admins.some((a) => a.id === id);
      if (isActiveAdmin && admins.length === 1) {
        throw new InvalidStateError(
          `${current.email} is the last active admin and cannot be demoted or disabled`,
        );
      }
      return repo.apply(id, changes);
    });
  }

  /** Stores a new password hash. */
  async setPasswordHash(id: number, passwordHash: string): Promise<void> {
    const hash = parseInput(PasswordHash, passwordHash, 'passwordHash');
    const [count] = await guarded(
      this.model.update({ passwordHash: hash }, { where: { id }, transaction: this.transaction }),
    );
    if (count === 0) throw new NotFoundError('user', id);
  }

  /** How many users are admins and not disabled. */
  async countActiveAdmins(): Promise<number> {
    return guarded(
      this.model.count({
        where: { role: 'admin', disabled: false },
        transaction: this.transaction,
      }),
    );
  }

  private async apply(
    id: number,
    changes: Partial<Pick<UserModel, 'email' | 'role' | 'disabled'>>,
  ): Promise<User> {
    const [count, rows] = await guarded(
      this.model.update(changes, {
        where: { id },
        returning: true,
        transaction: this.transaction,
      }),
    );
    const row = rows[0];
    if (count === 0 || !row) throw new NotFoundError('user', id);
    return toUser(row);
  }
}
