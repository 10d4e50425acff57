import { select, type Executor } from '../sql.js';

/** The queue task that executes one run. */
export const RUN_TASK = 'netauto_run';
/** Announces stored output: the payload is `runId:lastSeq`, `runId:start` or `runId:end`. */
export const OUTPUT_CHANNEL = 'netauto_run_output';
/** Asks the worker running a run to stop it: the payload is the run's id. */
export const CANCEL_CHANNEL = 'netauto_run_cancel';

/**
 * The run queue (graphile-worker's tables) and the notifications around runs. Plain
 * SQL, so that queuing shares the transaction that created the run: a run is queued
 * exactly when it exists.
 */
export class QueueRepo {
  constructor(private readonly ex: Executor) {}

  /** Queues a run; one queue per device runs a device's runs one at a time. */
  async addRun(run: { id: number; deviceId: number }): Promise<void> {
    await select(
      this.ex,
      `SELECT id FROM graphile_worker.add_job($1,
         json_build_object('runId', $2::int, 'deviceId', $3::int),
         queue_name := 'device:' || $3::text, max_attempts := 1, job_key := 'run:' || $2::text)`,
      [RUN_TASK, run.id, run.deviceId],
    );
  }

  /**
   * Takes these runs' jobs off the queue, releasing a dead worker's hold on them and on
   * their devices' queues (graphile-worker would otherwise wait hours for it). Every
   * job that worker held is released: the worker is gone, and a run that is no longer
   * pending is skipped by whoever takes its job next.
   */
  async releaseRuns(runIds: readonly number[]): Promise<void> {
    const keys = runIds.map((id) => `run:${id}`);
    await select(
      this.ex,
      `SELECT graphile_worker.force_unlock_workers(array_agg(DISTINCT locked_by))
       FROM graphile_worker.jobs WHERE key = ANY($1::text[]) AND locked_by IS NOT NULL`,
      [keys],
    );
    await select(
      this.ex,
      `SELECT graphile_worker.complete_jobs(array_agg(id))
       FROM graphile_worker.jobs WHERE key = ANY($1::text[])`,
      [keys],
    );
  }

  /** Tells followers of a run that something new is stored (sent at commit). */
  async announceOutput(runId: number, what: number | 'start' | 'end'): Promise<void> {
    await select(this.ex, 'SELECT pg_notify($1, $2)', [OUTPUT_CHANNEL, `${runId}:${what}`]);
  }

  /** Asks whichever worker runs this run to stop it. */
  async requestCancel(runId: number): Promise<void> {
    await select(this.ex, 'SELECT pg_notify($1, $2)', [CANCEL_CHANNEL, String(runId)]);
  }
}
