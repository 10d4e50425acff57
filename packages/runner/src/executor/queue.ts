import { CANCEL_CHANNEL, queueLogger, repositories, RUN_TASK, type Database } from '@netauto/db';
import { run, type Runner } from 'graphile-worker';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import pg from 'pg';
import type { DeviceAccess } from '../execute.js';
import type { Logger } from '../observability/logger.js';
import { instrumentAccess, observeQueueWait, quotaWaits } from '../observability/metrics.js';
import {
  RETENTION_TASK,
  retentionCrontab,
  retentionTask,
  type RetentionSettings,
} from '../retention/retention.js';
import { executeRun } from './executor.js';
import { StoreBatcher } from './store-batcher.js';

/** Puts a run on the queue (for callers outside a transaction; see QueueRepo.addRun). */
export async function enqueueRun(
  db: Database,
  run: { id: number; deviceId: number },
): Promise<void> {
  await repositories(db).queue.addRun(run);
}

/** Asks whichever worker runs this run to stop it (its channel closes at once). */
export async function requestCancel(db: Database, runId: number): Promise<void> {
  await repositories(db).queue.requestCancel(runId);
}

export interface Workers {
  /** Finishes the runs in hand, then stops taking jobs. */
  stop(): Promise<void>;
}

export interface WorkerOptions {
  db: Database;
  access: DeviceAccess;
  /** The database URL (the queue keeps a pool of its own). */
  url: string;
  /** Runs at once in this process (default 50). */
  concurrency?: number;
  /** How often the queue looks for jobs besides being woken (default 1 s). */
  pollIntervalMs?: number;
  /** How often this process says its runs are alive (default 5 s). */
  heartbeatMs?: number;
  /** A run not heard of for this long has lost its worker (default 30 s). */
  lostAfterMs?: number;
  /** Runs at once in all, and per site, across every process (default 50 and 5). */
  quota?: { global: number; perSite: number };
  /** The daily purge of old run history (off when not given). */
  retention?: RetentionSettings;
  logger?: Logger;
}

/**
 * Listens for cancels on a connection of its own, connecting again (every second until
 * it can) when that connection is lost; meanwhile the heartbeat sees recorded cancels.
 */
async function listenForCancels(
  url: string,
  onCancel: (runId: number) => void,
): Promise<{ stop(): Promise<void> }> {
  let client: pg.Client | undefined;
  let stopped = false;
  let retry: NodeJS.Timeout | undefined;
  const reconnect = () => {
    if (stopped) return;
    retry = setTimeout(() => {
      connect().catch(reconnect);
    }, 1000);
  };
  const connect = async (): Promise<void> => {
    const next = new pg.Client({ connectionString: url });
    next.on('notification', (note) => {
      onCancel(Number(note.payload));
    });
    next.on('error', () => {
      if (client === next) client = undefined;
      void next.end().catch(() => undefined);
      reconnect();
    });
    try {
      await next.connect();
      await next.query(`LISTEN ${CANCEL_CHANNEL}`);
    } catch (error) {
      await next.end().catch(() => undefined);
      throw error;
    }
    if (stopped) await next.end();
    else client = next;
  };
  await connect();
  return {
    async stop() {
      stopped = true;
      clearTimeout(retry);
      await client?.end().catch(() => undefined);
    },
  };
}

/** How long a run over quota waits before it is looked at again. */
const QUOTA_RETRY_MS = 250;

/**
 * Starts queue workers in this process: any number of processes may do so on one
 * database, and each run is executed once.
 */
export async function startWorkers(options: WorkerOptions): Promise<Workers> {
  const running = new Map<number, AbortController>();
  const workerId = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  const repos = repositories(options.db);
  const access = instrumentAccess(options.access);
  const store = new StoreBatcher(options.db);
  // Say that the runs in hand are alive, and end those whose worker has died: any
  // worker may end another's lost runs.
  const heartbeat = setInterval(() => {
    void (async () => {
      // A cancel whose notification this process missed is seen here.
      const canceled = await repos.runs.heartbeat(workerId, [...running.keys()]);
      for (const id of canceled) running.get(id)?.abort();
      await repos.runs.recoverLost(options.lostAfterMs ?? 30_000);
      // Pending runs whose job a dead worker took with it (or that lost it otherwise) are
      // queued again, so that every run ends. A live worker hands back the jobs it has not
      // started within half that time: twice leaves room for a very busy machine.
      const { requeued, lost } = await repos.runs.reconcileQueue(
        2 * (options.lostAfterMs ?? 30_000),
      );
      if (requeued.length > 0 || lost.length > 0) {
        options.logger?.warn(
          { requeued: requeued.map((r) => r.id), lost: lost.map((r) => r.id) },
          'queue: pending runs whose job was lost are queued again (or end as worker_lost)',
        );
      }
    })().catch(() => undefined);
  }, options.heartbeatMs ?? 5000);
  const listener = await listenForCancels(options.url, (runId) => {
    running.get(runId)?.abort();
  });

  let runner: Runner;
  try {
    runner = await run({
      connectionString: options.url,
      concurrency: options.concurrency ?? 50,
      pollInterval: options.pollIntervalMs ?? 1000,
      noHandleSignals: true,
      logger: queueLogger,
      // Jobs are fetched a few at a time and finished jobs completed together: fewer
      // round trips per run. A batch may hold two runs of one device; the start function
      // starts them one at a time, oldest first, and the other waits as over quota. Jobs
      // not started go back to the queue well before a silent worker counts as lost.
      preset: {
        worker: {
          localQueue: {
            size: Math.min(8, options.concurrency ?? 50),
            ttl: Math.min(20_000, (options.lostAfterMs ?? 30_000) / 2),
          },
          completeJobBatchDelay: 5,
        },
      },
      ...(options.retention && { crontab: retentionCrontab(options.retention.schedule) }),
      taskList: {
        ...(options.retention && {
          [RETENTION_TASK]: retentionTask(options.db, options.retention, options.logger),
        }),
        [RUN_TASK]: async (payload) => {
          const { runId, deviceId } = (payload ?? {}) as { runId?: unknown; deviceId?: unknown };
          if (typeof runId !== 'number' || typeof deviceId !== 'number') return;
          const controller = new AbortController();
          running.set(runId, controller);
          try {
            const outcome = await executeRun(
              {
                db: options.db,
                access,
                workerId,
                store,
                ...(options.quota && { quota: options.quota }),
              },
              runId,
              controller.signal,
            );
            if (typeof outcome === 'object') observeQueueWait(outcome);
            if (outcome === 'over_quota') {
              quotaWaits.inc();
              // Waits in the queue, not in a worker slot: other sites' runs go on meanwhile.
              // Its job keeps the run's key, by which newer runs of its device see it wait;
              // a run canceled meanwhile is not queued again.
              await repos.queue.requeuePending({ id: runId, deviceId }, QUOTA_RETRY_MS);
            }
          } finally {
            running.delete(runId);
          }
        },
      },
    });
  } catch (error) {
    clearInterval(heartbeat);
    await listener.stop();
    throw error;
  }
  return {
    async stop() {
      await runner.stop();
      clearInterval(heartbeat);
      await listener.stop();
    },
  };
}
