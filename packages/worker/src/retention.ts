import type { Config } from '@netauto/config';
import { repositories, type Database } from '@netauto/db';
import type { RetentionLimits } from '@netauto/schema';
import type { Task } from 'graphile-worker';
import type { Logger } from '@netauto/observability';

/** The queue task of the daily purge. */
export const RETENTION_TASK = 'netauto_retention';

export interface RetentionSettings extends RetentionLimits {
  /** When the purge runs (cron, UTC). */
  schedule: string;
}

/** The limits and schedule from NETAUTO_RUN_MAX_DAYS, NETAUTO_RUN_MAX_BYTES and NETAUTO_RETENTION_CRON. */
export function retentionFromEnv(config: Pick<Config, 'worker'>): RetentionSettings {
  const e = config.worker;
  return {
    maxDays: e.NETAUTO_RUN_MAX_DAYS,
    maxBytes: e.NETAUTO_RUN_MAX_BYTES,
    schedule: e.NETAUTO_RETENTION_CRON,
  };
}

export interface PurgeResult {
  runs: number;
  bytes: number;
  byAge: number;
  byBytes: number;
  batches: number;
}

export interface PurgeOptions {
  /** Runs per delete statement (default 500). */
  batchRuns?: number;
  /** Output bytes per delete statement, past its first run (default 256 MiB). */
  batchBytes?: number;
  /** Pause between batches, so that running work gets the table too (default 20 ms). */
  pauseMs?: number;
  signal?: AbortSignal;
  logger?: Logger;
}

/**
 * Deletes finished runs older than `maxDays` and, per device, the oldest finished runs
 * past `maxBytes` of output, with their chunks: a short statement per batch, never a run
 * in progress. Records one audit event saying what went.
 */
export async function purgeRuns(
  db: Database,
  limits: RetentionLimits,
  options: PurgeOptions = {},
): Promise<PurgeResult> {
  const repos = repositories(db);
  const total: PurgeResult = { runs: 0, bytes: 0, byAge: 0, byBytes: 0, batches: 0 };
  const started = Date.now();
  // The candidates are worked out once; each batch is then a short delete by id, at
  // most batchRuns runs and (past the first) batchBytes of output.
  const candidates = await repos.retention.candidates(limits);
  const maxRuns = options.batchRuns ?? 500;
  const maxBytes = options.batchBytes ?? 256 * 1024 * 1024;
  let next = 0;
  while (next < candidates.length && !options.signal?.aborted) {
    const batch: typeof candidates = [];
    let bytes = 0;
    while (next < candidates.length && batch.length < maxRuns) {
      const candidate = candidates[next] as (typeof candidates)[number];
      if (batch.length > 0 && bytes + candidate.bytes > maxBytes) break;
      batch.push(candidate);
      bytes += candidate.bytes;
      next += 1;
    }
    const gone = await repos.retention.deleteRuns(batch);
    total.runs += gone.runs;
    total.bytes += gone.bytes;
    total.byAge += gone.byAge;
    total.byBytes += gone.byBytes;
    total.batches += 1;
    await new Promise((resolve) => setTimeout(resolve, options.pauseMs ?? 20));
  }
  await repos.audit.record({
    actorId: null,
    actorEmail: null,
    action: 'retention.purge',
    targetType: 'runs',
    targetId: null,
    summary: { ...total, maxDays: limits.maxDays, maxBytes: limits.maxBytes },
  });
  options.logger?.info(
    { ...total, ...limits, ms: Date.now() - started },
    'retention: purged old run history',
  );
  return total;
}

/** The queue task that purges, for the daily cron entry. */
export function retentionTask(db: Database, limits: RetentionLimits, logger?: Logger): Task {
  // A worker that stops ends the purge between two batches; tomorrow's goes on.
  return async (_payload, helpers) => {
    await purgeRuns(db, limits, { signal: helpers.abortSignal, ...(logger && { logger }) });
  };
}

/** The crontab line that queues the purge (one job per tick across every worker process). */
export function retentionCrontab(schedule: string): string {
  return `${schedule} ${RETENTION_TASK} ?max=1&queue=${RETENTION_TASK}&jobKey=${RETENTION_TASK}`;
}
