import type { RetentionLimits, RetentionPreview } from '@netauto/schema';
import { isoOrNull, select, selectOne, type Executor } from '../sql.js';

/**
 * The finished runs retention deletes, with the rule that takes each: older than maxDays
 * ('age'), or, of what is left on a device, past its newest maxBytes of output ('bytes').
 * A run in progress is never one of them, but its bytes count towards its device's total.
 */
const CANDIDATES = `
  WITH aged AS (
    SELECT r.id FROM runs r
    WHERE r.status IN ('ok', 'error') AND r.created_at < now() - $1::int * interval '1 day'
  ), heavy AS (
    SELECT r.device_id FROM runs r WHERE NOT EXISTS (SELECT 1 FROM aged a WHERE a.id = r.id)
    GROUP BY r.device_id HAVING sum(r.bytes) > $2::bigint
  ), ranked AS (
    SELECT r.id, r.status,
      sum(r.bytes) OVER (PARTITION BY r.device_id ORDER BY r.created_at DESC, r.id DESC) AS newer
    FROM runs r JOIN heavy h ON h.device_id = r.device_id
    WHERE NOT EXISTS (SELECT 1 FROM aged a WHERE a.id = r.id)
  )
  SELECT a.id, 'age' AS rule FROM aged a
  UNION ALL
  SELECT k.id, 'bytes' AS rule FROM ranked k WHERE k.newer > $2::bigint AND k.status IN ('ok', 'error')`;

export interface PurgeCandidate {
  id: number;
  rule: 'age' | 'bytes';
  bytes: number;
}

export interface PurgeBatch {
  runs: number;
  bytes: number;
  byAge: number;
  byBytes: number;
}

/** Retention of run history: what would go, and deleting it a batch at a time. */
export class RetentionRepo {
  constructor(private readonly ex: Executor) {}

  async preview(limits: RetentionLimits): Promise<RetentionPreview> {
    const totals = await selectOne<{
      runs: number;
      bytes: number;
      byAge: number;
      byBytes: number;
      oldest: Date | null;
    }>(
      this.ex,
      `SELECT count(*)::int AS runs, coalesce(sum(r.bytes), 0)::float8 AS bytes,
         count(*) FILTER (WHERE c.rule = 'age')::int AS "byAge",
         count(*) FILTER (WHERE c.rule = 'bytes')::int AS "byBytes",
         min(r.created_at) AS oldest
       FROM (${CANDIDATES}) c JOIN runs r ON r.id = c.id`,
      [limits.maxDays, limits.maxBytes],
    );
    const devices = await select<{
      deviceId: number;
      hostname: string;
      runs: number;
      bytes: number;
    }>(
      this.ex,
      `SELECT d.id AS "deviceId", d.hostname, count(*)::int AS runs,
         coalesce(sum(r.bytes), 0)::float8 AS bytes
       FROM (${CANDIDATES}) c JOIN runs r ON r.id = c.id JOIN devices d ON d.id = r.device_id
       GROUP BY d.id, d.hostname ORDER BY bytes DESC, runs DESC, d.hostname LIMIT 20`,
      [limits.maxDays, limits.maxBytes],
    );
    return {
      limits,
      runs: totals?.runs ?? 0,
      bytes: totals?.bytes ?? 0,
      byAge: totals?.byAge ?? 0,
      byBytes: totals?.byBytes ?? 0,
      oldest: isoOrNull(totals?.oldest),
      devices,
    };
  }

  /**
   * Every run the limits would delete now, by id, with its rule and size: worked out
   * once per purge, then deleted a batch at a time (see deleteRuns).
   */
  async candidates(limits: RetentionLimits): Promise<PurgeCandidate[]> {
    return select<PurgeCandidate>(
      this.ex,
      `SELECT c.id, c.rule, r.bytes::float8 AS bytes
       FROM (${CANDIDATES}) c JOIN runs r ON r.id = c.id ORDER BY c.id`,
      [limits.maxDays, limits.maxBytes],
    );
  }

  /**
   * Deletes these runs with their chunks in one short statement; a run that is no
   * longer finished is skipped. Returns what went.
   */
  async deleteRuns(runs: readonly PurgeCandidate[]): Promise<PurgeBatch> {
    if (runs.length === 0) return { runs: 0, bytes: 0, byAge: 0, byBytes: 0 };
    const row = await selectOne<PurgeBatch>(
      this.ex,
      `WITH gone AS (
         DELETE FROM runs r USING unnest($1::int[], $2::text[]) AS p(id, rule)
         WHERE r.id = p.id AND r.status IN ('ok', 'error')
         RETURNING r.id, r.bytes, p.rule
       )
       SELECT count(*)::int AS runs, coalesce(sum(bytes), 0)::float8 AS bytes,
         count(*) FILTER (WHERE rule = 'age')::int AS "byAge",
         count(*) FILTER (WHERE rule = 'bytes')::int AS "byBytes"
       FROM gone`,
      [runs.map((r) => r.id), runs.map((r) => r.rule)],
    );
    return row ?? { runs: 0, bytes: 0, byAge: 0, byBytes: 0 };
  }
}
