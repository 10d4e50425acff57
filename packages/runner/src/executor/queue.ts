import type { Database, Executor } from '@netauto/db';
import { Logger, run, runMigrations, type Runner } from 'graphile-worker';
import pg from 'pg';
import type { DeviceAccess } from '../execute.js';
import { executeRun } from './executor.js';

/** The queue task that executes one run. */
export const RUN_TASK = 'netauto_run';
/** The channel on which a cancel of a running run is asked for: the payload is its id. */
export const CANCEL_CHANNEL = 'netauto_run_cancel';

/** graphile-worker's own messages: errors to stderr, the rest nowhere. */
const logger = new Logger(() => (level, message) => {
  // LogLevel is a const enum, which isolated modules cannot name: compare its text.
  if ((level as string) === 'error') console.error(`queue: ${message}`);
});

/** Creates or updates the queue's tables (graphile-worker's schema). */
export async function installQueue(url: string): Promise<void> {
  await runMigrations({ connectionString: url, logger });
}

/**
 * Puts a run on the queue. It is plain SQL, so that it can share the transaction that
 * created the run: a run is queued exactly when it exists. One queue per device runs a
 * device's runs one at a time.
 */
export async function enqueueRun(
  db: Database,
  run: { id: number; deviceId: number },
  transaction?: Executor['transaction'],
): Promise<void> {
  await db.sequelize.query(
    `SELECT graphile_worker.add_job($1, json_build_object('runId', $2::int),
       queue_name := 'device:' || $3::text, max_attempts := 1, job_key := 'run:' || $2::text)`,
    { bind: [RUN_TASK, run.id, run.deviceId], ...(transaction && { transaction }) },
  );
}

/** Asks whichever worker runs this run to stop it (its channel closes at once). */
export async function requestCancel(db: Database, runId: number): Promise<void> {
  await db.sequelize.query('SELECT pg_notify($1, $2)', { bind: [CANCEL_CHANNEL, String(runId)] });
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
}

/**
 * Starts queue workers in this process: any number of processes may do so on one
 * database, and each run is executed once.
 */
export async function startWorkers(options: WorkerOptions): Promise<Workers> {
  const running = new Map<number, AbortController>();
  const listener = new pg.Client({ connectionString: options.url });
  await listener.connect();
  listener.on('notification', (note) => {
    running.get(Number(note.payload))?.abort();
  });
  listener.on('error', () => undefined);
  await listener.query(`LISTEN ${CANCEL_CHANNEL}`);

  let runner: Runner;
  try {
    runner = await run({
      connectionString: options.url,
      concurrency: options.concurrency ?? 50,
      pollInterval: options.pollIntervalMs ?? 1000,
      noHandleSignals: true,
      logger,
      taskList: {
        [RUN_TASK]: async (payload) => {
          const runId = (payload as { runId?: unknown } | null)?.runId;
          if (typeof runId !== 'number') return;
          const controller = new AbortController();
          running.set(runId, controller);
          try {
            await executeRun({ db: options.db, access: options.access }, runId, controller.signal);
          } finally {
            running.delete(runId);
          }
        },
      },
    });
  } catch (error) {
    await listener.end();
    throw error;
  }
  return {
    async stop() {
      await runner.stop();
      await listener.end();
    },
  };
}
