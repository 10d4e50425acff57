import { Timestamp } from '@netauto/schema';
import { z } from 'zod';
import { ConflictError } from '../errors.js';
import { selectOne, type Executor } from '../sql.js';

/** A point in time: a Date or an ISO 8601 string with an offset. */
export const Instant = z.union([z.date(), Timestamp], {
  error: 'must be a date or an ISO 8601 time with an offset',
});

/** A positive length of time in milliseconds, at most ten years. */
export const DurationMs = z
  .number()
  .positive('must be a positive number of milliseconds')
  .max(10 * 365 * 86_400_000, 'must be at most ten years');

/** The hash of a session or API token, as the API computed it. */
export const TokenHash = z
  .string()
  .min(1, 'token hash must not be empty')
  .max(512, 'token hash must be at most 512 characters');

/** SQL for "this many milliseconds" from a bound number. */
export const msInterval = (param: string) => `(${param}::float8 * interval '1 millisecond')`;

/** Runs a DELETE or UPDATE (without RETURNING) and returns how many rows it touched. */
export async function countRows(ex: Executor, statement: string, bind: unknown[]): Promise<number> {
  const row = await selectOne<{ n: number }>(
    ex,
    `WITH changed AS (${statement} RETURNING 1) SELECT count(*)::int AS n FROM changed`,
    bind,
  );
  return row?.n ?? 0;
}

/**
 * A duplicate token hash is a ConflictError whose message would quote the hash; this
 * replaces it with one that does not.
 */
export async function withoutHashInConflict<T>(statement: Promise<T>): Promise<T> {
  try {
    return await statement;
  } catch (error) {
    if (error instanceof ConflictError && error.message.includes('token_hash')) {
      throw new ConflictError('a token with this hash is already stored', ['tokenHash']);
    }
    throw error;
  }
}
