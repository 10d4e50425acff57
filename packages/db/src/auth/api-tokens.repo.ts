import { Id, line, type ApiToken, type User, type UserRole } from '@netauto/schema';
import { fn } from 'sequelize';
import { z } from 'zod';
import { InvalidStateError, NotFoundError, ValidationError } from '../errors.js';
import { ApiToken as ApiTokenModel, User as UserModel } from '../models/index.js';
import { guarded, iso, isoOrNull, parseInput, select, selectOne, type Executor } from '../sql.js';
import { Instant, TokenHash, msInterval, withoutHashInConflict } from './common.js';
import { TOUCH_INTERVAL_MS } from './sessions.repo.js';
import { USER_COLUMNS, toUser, type UserRow } from './users.repo.js';

const TOKEN_COLUMNS = `t.id, t.user_id AS "userId", u.email AS "userEmail", t.name, t.prefix,
  t.read_only AS "readOnly", t.expires_at AS "expiresAt", t.last_used_at AS "lastUsedAt",
  t.revoked_at AS "revokedAt", t.created_at AS "createdAt"`;

type Stamp = 'expiresAt' | 'lastUsedAt' | 'revokedAt' | 'createdAt';
type ApiTokenRow = Omit<ApiToken, Stamp> & {
  expiresAt: Date | null;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
  createdAt: Date;
};

/** A token read through its model, with its user's e-mail. */
function fromModel(m: ApiTokenModel): ApiToken {
  return toApiToken({
    id: m.id,
    userId: m.userId,
    userEmail: m.user?.email ?? '',
    name: m.name,
    prefix: m.prefix,
    readOnly: m.readOnly,
    expiresAt: m.expiresAt,
    lastUsedAt: m.lastUsedAt,
    revokedAt: m.revokedAt,
    createdAt: m.createdAt,
  });
}

function toApiToken(row: ApiTokenRow): ApiToken {
  return {
    id: row.id,
    userId: row.userId,
    userEmail: row.userEmail,
    name: row.name,
    prefix: row.prefix,
    readOnly: row.readOnly,
    expiresAt: isoOrNull(row.expiresAt),
    lastUsedAt: isoOrNull(row.lastUsedAt),
    revokedAt: isoOrNull(row.revokedAt),
    createdAt: iso(row.createdAt),
  };
}

const ApiTokenCreateRecord = z.strictObject({
  userId: Id,
  name: line(100, 'token name'),
  /** The token's first characters, shown in lists to recognise it. */
  prefix: line(32, 'prefix'),
  tokenHash: TokenHash,
  readOnly: z.boolean().default(false),
  /** When it stops working; never when null or left out. */
  expiresAt: Instant.nullish(),
});
/** What `ApiTokensRepo.create` stores: the hash of the token, never the token. */
export type ApiTokenCreateRecord = z.input<typeof ApiTokenCreateRecord>;

const ApiTokenFilter = z.strictObject({ userId: Id.optional() });
export type ApiTokenFilter = z.input<typeof ApiTokenFilter>;

/** An API token that may be used right now, with its user. */
export interface ValidApiToken {
  tokenId: number;
  readOnly: boolean;
  user: User;
}

export class ApiTokensRepo {
  constructor(private readonly ex: Executor) {}

  private get model() {
    return this.ex.sequelize.getRepository(ApiTokenModel);
  }

  /** Reads tokens with their user's e-mail, and nothing else of the user. */
  private get withUser() {
    return {
      include: [{ model: this.ex.sequelize.getRepository(UserModel), attributes: ['email'] }],
      transaction: this.ex.transaction ?? null,
    };
  }

  /** Stores a token by its hash. A missing user is a NotFoundError; a past expiry is refused. */
  async create(input: ApiTokenCreateRecord): Promise<ApiToken> {
    const t = parseInput(ApiTokenCreateRecord, input);
    // SQL: one statement checks the expiry by the database's clock and joins the e-mail.
    const expiresAt = t.expiresAt == null ? null : iso(t.expiresAt);
    const row = await withoutHashInConflict(
      selectOne<ApiTokenRow>(
        this.ex,
        `WITH t AS (
         INSERT INTO api_tokens (user_id, name, prefix, token_hash, read_only, expires_at)
         SELECT $1::int, $2::text, $3::text, $4::text, $5::boolean, $6::timestamptz
         WHERE $6::timestamptz IS NULL OR $6::timestamptz > now()
         RETURNING *
       )
       SELECT ${TOKEN_COLUMNS} FROM t JOIN users u ON u.id = t.user_id`,
        [t.userId, t.name, t.prefix, t.tokenHash, t.readOnly, expiresAt],
      ),
    );
    if (!row) {
      throw new ValidationError('expiresAt must be in the future', {
        expiresAt: ['must be in the future'],
      });
    }
    return toApiToken(row);
  }

  /**
   * The token with this hash, if it may be used now: not revoked, not past its expiry
   * (by the database's clock), and its user not disabled.
   */
  async findValid(tokenHash: string): Promise<ValidApiToken | undefined> {
    // SQL: read on every request, one prepared statement on the database's clock.
    const row = await selectOne<UserRow & { tokenId: number; tokenReadOnly: boolean }>(
      this.ex,
      `SELECT t.id AS "tokenId", t.read_only AS "tokenReadOnly", ${USER_COLUMNS}
       FROM api_tokens t JOIN users u ON u.id = t.user_id
       WHERE t.token_hash = $1
         AND t.revoked_at IS NULL
         AND (t.expires_at IS NULL OR t.expires_at > now())
         AND NOT u.disabled`,
      [tokenHash],
      { prepare: true },
    );
    if (!row) return undefined;
    return { tokenId: row.tokenId, readOnly: row.tokenReadOnly, user: toUser(row) };
  }

  /**
   * Of these tokens, those that still work (not revoked, not expired, their user not
   * disabled), with their user's role now: for re-checking the callers of long streams.
   */
  async stillValid(ids: readonly number[]): Promise<Map<number, UserRole>> {
    if (ids.length === 0) return new Map();
    const rows = await select<{ id: number; role: UserRole }>(
      this.ex,
      `SELECT t.id, u.role FROM api_tokens t JOIN users u ON u.id = t.user_id
       WHERE t.id = ANY($1::int[])
         AND t.revoked_at IS NULL
         AND (t.expires_at IS NULL OR t.expires_at > now())
         AND NOT u.disabled`,
      [[...new Set(ids)]],
    );
    return new Map(rows.map((r) => [r.id, r.role]));
  }

  /**
   * Records a use now, unless one was recorded less than TOUCH_INTERVAL_MS ago.
   * Returns whether it wrote.
   */
  async touch(tokenId: number): Promise<boolean> {
    // SQL: a conditional write on the database's clock, prepared (every request).
    const rows = await select<{ id: number }>(
      this.ex,
      `UPDATE api_tokens SET last_used_at = now()
       WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < now() - ${msInterval('$2')})
       RETURNING id`,
      [tokenId, TOUCH_INTERVAL_MS],
      { prepare: true },
    );
    return rows.length > 0;
  }

  /** Every token (of one user, when given), revoked and expired ones too; newest first. */
  async list(filter: ApiTokenFilter = {}): Promise<ApiToken[]> {
    const f = parseInput(ApiTokenFilter, filter);
    const rows = await guarded(
      this.model.findAll({
        ...this.withUser,
        where: f.userId === undefined ? {} : { userId: f.userId },
        order: [
          ['createdAt', 'DESC'],
          ['id', 'DESC'],
        ],
      }),
    );
    return rows.map(fromModel);
  }

  async get(id: number): Promise<ApiToken> {
    const row = await guarded(this.model.findByPk(id, this.withUser));
    if (!row) throw new NotFoundError('api token', id);
    return fromModel(row);
  }

  /** Stops a token from working, for good. Revoking it again is an InvalidStateError. */
  async revoke(id: number): Promise<ApiToken> {
    const [count] = await guarded(
      this.model.update(
        { revokedAt: fn('now') },
        { where: { id, revokedAt: null }, transaction: this.ex.transaction ?? null },
      ),
    );
    const token = await this.get(id);
    if (count === 0) throw new InvalidStateError('token already revoked');
    return token;
  }

  /** Revokes every live token of a user (a password reset after a takeover). Returns how many. */
  async revokeAllForUser(userId: number): Promise<number> {
    const [count] = await guarded(
      this.model.update(
        { revokedAt: fn('now') },
        { where: { userId, revokedAt: null }, transaction: this.ex.transaction ?? null },
      ),
    );
    return count;
  }
}
