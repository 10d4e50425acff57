import { Id, type User, type UserRole } from '@netauto/schema';
import { Op } from 'sequelize';
import { z } from 'zod';
import { NotFoundError } from '../errors.js';
import { Session as SessionModel } from '../models/index.js';
import { guarded, iso, parseInput, select, selectOne, type Executor } from '../sql.js';
import {
  DurationMs,
  Instant,
  TokenHash,
  countRows,
  msInterval,
  withoutHashInConflict,
} from './common.js';
import { USER_COLUMNS, toUser, type UserRow } from './users.repo.js';

/**
 * A session is refreshed at most this often: `touch` skips the write when the last
 * one is more recent, so that a busy client does not write on every request.
 */
export const TOUCH_INTERVAL_MS = 30_000;

/** A session as the database layer returns it: never its token or the token's hash. */
export interface Session {
  id: number;
  userId: number;
  expiresAt: string;
  lastUsedAt: string;
  userAgent: string | null;
  clientIp: string | null;
  createdAt: string;
}

/** A session that may be used right now, with its user. */
export interface ValidSession {
  sessionId: number;
  expiresAt: string;
  user: User;
}

interface SessionRow {
  id: number;
  userId: number;
  expiresAt: Date;
  lastUsedAt: Date;
  userAgent: string | null;
  clientIp: string | null;
  createdAt: Date;
}

function toSession(row: SessionRow): Session {
  return {
    id: row.id,
    userId: row.userId,
    expiresAt: iso(row.expiresAt),
    lastUsedAt: iso(row.lastUsedAt),
    userAgent: row.userAgent,
    clientIp: row.clientIp,
    createdAt: iso(row.createdAt),
  };
}

const SessionCreateRecord = z.strictObject({
  userId: Id,
  tokenHash: TokenHash,
  /** The absolute end of the session, however active it is. */
  expiresAt: Instant,
  // Longer values are cut: they are for people to recognise a session, nothing more.
  userAgent: z
    .string()
    .nullish()
    .transform((s) => (s ? s.slice(0, 512) : null)),
  clientIp: z
    .string()
    .nullish()
    .transform((s) => (s ? s.slice(0, 64) : null)),
});
export type SessionCreateRecord = z.input<typeof SessionCreateRecord>;

export class SessionsRepo {
  constructor(private readonly ex: Executor) {}

  private get model() {
    return this.ex.sequelize.getRepository(SessionModel);
  }

  private get transaction() {
    return this.ex.transaction ?? null;
  }

  /** Stores a session by the hash of its token. A missing user is a NotFoundError. */
  async create(input: SessionCreateRecord): Promise<Session> {
    const s = parseInput(SessionCreateRecord, input);
    const row = await withoutHashInConflict(
      guarded(
        this.model.create(
          {
            userId: s.userId,
            tokenHash: s.tokenHash,
            expiresAt: new Date(s.expiresAt),
            userAgent: s.userAgent,
            clientIp: s.clientIp,
          },
          { transaction: this.transaction },
        ),
      ),
    );
    return toSession(row);
  }

  /**
   * The session with this token hash, if it may be used now: before its absolute
   * expiry, used within the last `idleMs`, and its user not disabled. Times are the
   * database's.
   */
  async findValid(tokenHash: string, opts: { idleMs: number }): Promise<ValidSession | undefined> {
    // SQL: read on every request, one prepared statement on the database's clock.
    const idleMs = parseInput(DurationMs, opts.idleMs, 'idleMs');
    const row = await selectOne<UserRow & { sessionId: number; sessionExpiresAt: Date }>(
      this.ex,
      `SELECT s.id AS "sessionId", s.expires_at AS "sessionExpiresAt", ${USER_COLUMNS}
       FROM sessions s JOIN users u ON u.id = s.user_id
       WHERE s.token_hash = $1
         AND s.expires_at > now()
         AND s.last_used_at > now() - ${msInterval('$2')}
         AND NOT u.disabled`,
      [tokenHash, idleMs],
      { prepare: true },
    );
    if (!row) return undefined;
    return { sessionId: row.sessionId, expiresAt: iso(row.sessionExpiresAt), user: toUser(row) };
  }

  /**
   * Of these sessions, those that still stand (not ended, not past their absolute
   * expiry, their user not disabled), with their user's role now: for re-checking the
   * callers of long streams. A stream in progress is use, so idle time is not counted.
   */
  async stillValid(ids: readonly number[]): Promise<Map<number, UserRole>> {
    if (ids.length === 0) return new Map();
    const rows = await select<{ id: number; role: UserRole }>(
      this.ex,
      `SELECT s.id, u.role FROM sessions s JOIN users u ON u.id = s.user_id
       WHERE s.id = ANY($1::int[]) AND s.expires_at > now() AND NOT u.disabled`,
      [[...new Set(ids)]],
    );
    return new Map(rows.map((r) => [r.id, r.role]));
  }

  /**
   * Marks the session used now, unless that was done less than TOUCH_INTERVAL_MS ago.
   * Returns whether it wrote.
   */
  async touch(sessionId: number): Promise<boolean> {
    // SQL: a conditional write on the database's clock, prepared (every request).
    const rows = await select<{ id: number }>(
      this.ex,
      `UPDATE sessions SET last_used_at = now()
       WHERE id = $1 AND last_used_at < now() - ${msInterval('$2')}
       RETURNING id`,
      [sessionId, TOUCH_INTERVAL_MS],
      { prepare: true },
    );
    return rows.length > 0;
  }

  async get(id: number): Promise<Session> {
    const row = await guarded(this.model.findByPk(id, { transaction: this.transaction }));
    if (!row) throw new NotFoundError('session', id);
    return toSession(row);
  }

  /** A user's sessions, newest first (expired ones too, until purged). */
  async listForUser(userId: number): Promise<Session[]> {
    const rows = await guarded(
      this.model.findAll({
        where: { userId },
        order: [
          ['createdAt', 'DESC'],
          ['id', 'DESC'],
        ],
        transaction: this.transaction,
      }),
    );
    return rows.map(toSession);
  }

  /** Ends a session. Returns whether there was one. */
  async delete(sessionId: number): Promise<boolean> {
    const count = await guarded(
      this.model.destroy({ where: { id: sessionId }, transaction: this.transaction }),
    );
    return count > 0;
  }

  /** Ends the session with this token hash. Returns whether there was one. */
  async deleteByTokenHash(tokenHash: string): Promise<boolean> {
    const count = await guarded(
      this.model.destroy({ where: { tokenHash }, transaction: this.transaction }),
    );
    return count > 0;
  }

  /** Ends every session of a user, but perhaps the one in use. Returns how many ended. */
  async deleteForUser(userId: number, opts: { exceptSessionId?: number } = {}): Promise<number> {
    return guarded(
      this.model.destroy({
        where: {
          userId,
          ...(opts.exceptSessionId !== undefined && { id: { [Op.ne]: opts.exceptSessionId } }),
        },
        transaction: this.transaction,
      }),
    );
  }

  /** How many sessions may be used now (for metrics). */
  async countActive(idleMs: number): Promise<number> {
    const idle = parseInput(DurationMs, idleMs, 'idleMs');
    const row = await selectOne<{ n: number }>(
      this.ex,
      `SELECT count(*)::int AS n FROM sessions s JOIN users u ON u.id = s.user_id
       WHERE s.expires_at > now()
         AND s.last_used_at > now() - ${msInterval('$1')}
         AND NOT u.disabled`,
      [idle],
    );
    return row?.n ?? 0;
  }

  /**
   * Deletes the sessions that can no longer be used: past their expiry, or idle for
   * `idleMs` or more. Returns how many.
   */
  async purgeExpired(idleMs: number): Promise<number> {
    const idle = parseInput(DurationMs, idleMs, 'idleMs');
    return countRows(
      this.ex,
      `DELETE FROM sessions
       WHERE expires_at <= now() OR last_used_at <= now() - ${msInterval('$1')}`,
      [idle],
    );
  }
}
