import {
  CANCEL_CHANNEL,
  isDatabaseUnavailable,
  queueLogger,
  repositories,
  RUN_TASK,
  type Database,
} from '@netauto/db';
import { run, type Runner, type WorkerEvents } from 'graphile-worker';
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { hostname } from 'node:os';
import pg from 'pg';
import type { DeviceAccess } from '@netauto/device-access';
import { type Logger, observeQueueWait, quotaWaits } from '@netauto/observability';
import { instrumentAccess } from './instrument-access.js';
import {
  RETENTION_TASK,
  retentionCrontab,
  retentionTask,
  type RetentionSettings,
} from './retention.js';
import { DatabaseContact, PatientPool, startHeartbeat } from './contact.js';
import { executeRun } from './run-job.js';
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
  /** Output a run may hold in memory while the database is unreachable (default 16 MiB). */
  outageOutputMaxBytes?: number;
  logger?: Logger;
}

/**
 * Listens for cancels on a connection of its own, connecting again (every second until
 * it can) when that connection is lost; meanwhile the heartbeat sees recorded cancels.
 */
async function listenForCancels(
  url: string,
  onCancel: (runId: number) => void,
  onReconnect: () => void,
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
    else {
      // Cancels asked for while it was away are seen by the heartbeat this calls.
      if (client === undefined && connected) onReconnect();
      client = next;
      connected = true;
    }
  };
  let connected = false;
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
  const logger = options.logger;
  const lostAfterMs = options.lostAfterMs ?? 30_000;
  // Whether this process reaches the database: its runs go on through an outage.
  const contact = new DatabaseContact(logger);
  // Say that the runs in hand are alive, and end those whose worker has died: any
  // worker may end another's lost runs.
  const heartbeat = startHeartbeat(
    async () => {
      // A cancel whose notification this process missed is seen here.
      const canceled = await repos.runs.heartbeat(workerId, [...running.keys()]);
      for (const id of canceled) running.get(id)?.abort();
      // Only a worker that has reached the database for as long as a silent worker takes
      // to count as lost judges others: after an outage every heartbeat is as old as the
      // outage, and live workers get that long to send their next one.
      if (contact.inContactFor() >= lostAfterMs) {
        await repos.runs.recoverLost(lostAfterMs);
        // Pending runs whose job a dead worker took with it (or that lost it otherwise) are
        // queued again, so that every run ends. A live worker hands back the jobs it has not
        // started within half that time: twice leaves room for a very busy machine.
        const { requeued, lost } = await repos.runs.reconcileQueue(2 * lostAfterMs);
        if (requeued.length > 0 || lost.length > 0) {
          logger?.warn(
            { requeued: requeued.map((r) => r.id), lost: lost.map((r) => r.id) },
            'queue: pending runs whose job was lost are queued again (or end as worker_lost)',
          );
        }
      }
    },
    { everyMs: options.heartbeatMs ?? 5000, contact, logger },
  );
  let listener: { stop(): Promise<void> };
  try {
    listener = await listenForCancels(
      options.url,
      (runId) => {
        running.get(runId)?.abort();
      },
      () => {
        contact.succeeded();
      },
    );
  } catch (error) {
    heartbeat.stop();
    throw error;
  }
  // The queue's own pool, whose connections wait for the database to come back.
  const pool = new PatientPool({ connectionString: options.url, max: 10 }, contact);

  const runTask = async (payload: unknown): Promise<void> => {
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
          contact,
          ...(options.quota && { quota: options.quota }),
          ...(options.outageOutputMaxBytes !== undefined && {
            outageOutputMaxBytes: options.outageOutputMaxBytes,
          }),
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
        await contact.retry(() =>
          repos.queue.requeuePending({ id: runId, deviceId }, QUOTA_RETRY_MS),
        );
      }
    } catch (error) {
      // The run's own record says what became of it; the job is done either way.
      logger?.error({ runId, err: error }, 'run failed in the worker');
    } finally {
      running.delete(runId);
    }
  };

  const startRunner = (events: WorkerEvents): Promise<Runner> =>
    run({
      pgPool: pool,
      events,
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
          [RETENTION_TASK]: retentionTask(options.db, options.retention, logger),
        }),
        [RUN_TASK]: runTask,
      },
    });

  // The queue (graphile-worker) shuts itself down when it cannot record a finished job
  // (the database went away at that moment): then a new one takes over at once, while
  // the old one finishes the runs it has in hand.
  const runners = new Set<Runner>();
  let stopping = false;
  const supervise = async (): Promise<void> => {
    for (let attempt = 0; !stopping; attempt++) {
      const events = new EventEmitter() as WorkerEvents;
      let replaced = false;
      const replace = (why: string) => {
        if (replaced || stopping) return;
        replaced = true;
        logger?.warn({ reason: why }, 'the queue stopped; starting it again');
        void supervise();
      };
      events.on('pool:gracefulShutdown', ({ message }) => {
        replace(message);
      });
      try {
        const runner = await startRunner(events);
        runners.add(runner);
        runner.promise.then(
          () => {
            runners.delete(runner);
            replace('it ended');
          },
          (error: unknown) => {
            runners.delete(runner);
            replace(error instanceof Error ? error.message : String(error));
          },
        );
        return;
      } catch (error) {
        if (runners.size === 0 && attempt === 0 && !isDatabaseUnavailable(error)) throw error;
        logger?.warn({ err: error }, 'the queue could not start; trying again');
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    }
  };
  try {
    await supervise();
  } catch (error) {
    heartbeat.stop();
    await listener.stop();
    await pool.end();
    throw error;
  }
  return {
    async stop() {
      stopping = true;
      // Waits for the database stop waiting: finishing runs goes on (they retry their
      // own statements), the queue's bookkeeping gives up.
      pool.giveUp();
      // A queue that was replaced may still be finishing its runs: it is waited for too.
      await Promise.all(
        [...runners].map((r) =>
          r
            .stop()
            .catch(() => undefined)
            .then(() => r.promise)
            .catch(() => undefined),
        ),
      );
      heartbeat.stop();
      await listener.stop();
      await pool.end();
    },
  };
}
