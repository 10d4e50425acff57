import { RUN_TASK, type Database } from '@netauto/db';
import type { Run } from '@netauto/schema';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * This process's metrics. Counters and histograms count what this process did (its
 * workers' runs, its API calls); the queue and run gauges are read from PostgreSQL at
 * scrape time, so that every process reports the same shared state.
 */
export const metricsRegistry = new Registry();

let defaultsCollected = false;
/** Adds Node's own metrics (CPU, memory, event loop) once per process. */
export function collectProcessMetrics(): void {
  if (defaultsCollected) return;
  defaultsCollected = true;
  collectDefaultMetrics({ register: metricsRegistry, prefix: 'netauto_' });
}

export const runsStarted = new Counter({
  name: 'netauto_runs_started_total',
  help: 'Runs this process started on a device, by platform.',
  labelNames: ['platform'] as const,
  registers: [metricsRegistry],
});

export const runsFinished = new Counter({
  name: 'netauto_runs_finished_total',
  help: 'Runs this process finished, by platform, status and error reason.',
  labelNames: ['platform', 'status', 'reason'] as const,
  registers: [metricsRegistry],
});

export const runDuration = new Histogram({
  name: 'netauto_run_duration_seconds',
  help: 'Time from connecting to a device to the end of its command.',
  labelNames: ['platform', 'status'] as const,
  buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
  registers: [metricsRegistry],
});

export const outputBytes = new Counter({
  name: 'netauto_run_output_bytes_total',
  help: 'Bytes of command output received, by platform.',
  labelNames: ['platform'] as const,
  registers: [metricsRegistry],
});

export const queueWait = new Histogram({
  name: 'netauto_run_queue_wait_seconds',
  help: 'Time from a run being requested to its start (queue and quota waits).',
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
  registers: [metricsRegistry],
});

export const quotaWaits = new Counter({
  name: 'netauto_run_quota_waits_total',
  help: 'Times a run was put back in the queue because a global or site quota was full.',
  registers: [metricsRegistry],
});

export const activeSessions = new Gauge({
  name: 'netauto_device_sessions_active',
  help: 'Device sessions (SSH or Telnet) open in this process now, by protocol.',
  labelNames: ['protocol'] as const,
  registers: [metricsRegistry],
});

export const queueDepth = new Gauge({
  name: 'netauto_queue_jobs',
  help: 'Run jobs in the queue, by state (ready: due and not taken; waiting: due later; taken).',
  labelNames: ['state'] as const,
  registers: [metricsRegistry],
});

export const queueOldest = new Gauge({
  name: 'netauto_queue_oldest_ready_seconds',
  help: 'How long the oldest due job has been waiting to be taken.',
  registers: [metricsRegistry],
});

export const runsByStatus = new Gauge({
  name: 'netauto_runs',
  help: 'Runs pending or running now, in every process.',
  labelNames: ['status'] as const,
  registers: [metricsRegistry],
});

export const apiRequestDuration = new Histogram({
  name: 'netauto_api_request_duration_seconds',
  help: 'API procedure calls, by procedure, type and result code (subscriptions: until set up).',
  labelNames: ['procedure', 'type', 'code'] as const,
  buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [metricsRegistry],
});

/** Notes how long a finished run waited in the queue before it started. */
export function observeQueueWait(run: Run): void {
  if (run.startedAt === null) return;
  const waited = (Date.parse(run.startedAt) - Date.parse(run.requestedAt)) / 1000;
  if (Number.isFinite(waited) && waited >= 0) queueWait.observe(waited);
}

/** Reads the shared state (queue depth, oldest wait, runs in progress) from PostgreSQL. */
export async function collectDatabaseMetrics(db: Database): Promise<void> {
  const [jobs] = await db.rows<{ ready: number; waiting: number; taken: number; oldest: number }>(
    `SELECT count(*) FILTER (WHERE locked_at IS NULL AND run_at <= now())::int AS ready,
       count(*) FILTER (WHERE locked_at IS NULL AND run_at > now())::int AS waiting,
       count(*) FILTER (WHERE locked_at IS NOT NULL)::int AS taken,
       coalesce(extract(epoch FROM now() - min(run_at) FILTER (
         WHERE locked_at IS NULL AND run_at <= now())), 0)::float8 AS oldest
     FROM graphile_worker.jobs WHERE task_identifier = $1`,
    [RUN_TASK],
  );
  queueDepth.set({ state: 'ready' }, jobs?.ready ?? 0);
  queueDepth.set({ state: 'waiting' }, jobs?.waiting ?? 0);
  queueDepth.set({ state: 'taken' }, jobs?.taken ?? 0);
  queueOldest.set(jobs?.oldest ?? 0);
  const statuses = await db.rows<{ status: string; n: number }>(
    `SELECT s.status, (SELECT count(*) FROM runs r WHERE r.status = s.status)::int AS n
     FROM unnest(ARRAY['pending', 'running']) AS s(status)`,
  );
  for (const { status, n } of statuses) runsByStatus.set({ status }, n);
}

/** The Prometheus text of every metric, with the shared state read first. */
export async function metricsText(db: Database): Promise<string> {
  collectProcessMetrics();
  await collectDatabaseMetrics(db);
  return metricsRegistry.metrics();
}

export const METRICS_CONTENT_TYPE = metricsRegistry.contentType;
