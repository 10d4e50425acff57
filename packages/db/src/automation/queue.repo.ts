import { select, type Executor } from '../sql.js';

/** The queue task that executes one run. */
export const RUN_TASK = 'netauto_run';
/**
 * Where stored output and a run's start and end are announced (by the statement that
 * stores output, and by the runs' status trigger): `runId:lastSeq`, `runId:start` or
 * `runId:end`.
 */
export const OUTPUT_CHANNEL = 'netauto_run_output';
/** Asks the worker running a run to stop it: the payload is the run's id. */
export const CANCEL_CHANNEL = 'netauto_run_cancel';

/**
 * The call that queues run `runId` of device `deviceId` (SQL expressions): one queue
 * per device runs a device's runs one at a time; the job's key is the run's.
 */
export function addRunJobSql(runId: string, deviceId: string, runAt?: string): string {
  return `graphile_worker.add_job('${RUN_TASK}',
    json_build_object('runId', ${runId}, 'deviceId', ${deviceId}),
    queue_name := 'device:' || ${deviceId}::text, max_attempts := 1,
    job_key := 'run:' || ${runId}::text${runAt === undefined ? '' : `, run_at := ${runAt}`})`;
}

/** The id of the run a job's key names (SQL), NULL for any other key. */
const runOfKey = (key: string) =>
  `CASE WHEN ${key} ~ '^run:[0-9]{1,9}$' THEN substring(${key} FROM 5)::int END`;

/**
 * graphile-worker's add_jobs over many runs, as SQL: `rows` is a FROM item giving
 * `t(id, device_id)`. Each run gets its job as addRunJobSql makes it, in one call.
 */
export function addRunJobsSql(rows: string): string {
  return `graphile_worker.add_jobs(ARRAY(
    SELECT ROW('${RUN_TASK}', json_build_object('runId', t.id, 'deviceId', t.device_id),
      'device:' || t.device_id, NULL, 1, 'run:' || t.id, NULL, NULL
    )::graphile_worker.job_spec
    FROM ${rows} ORDER BY t.id))`;
}

/**
 * The run queue (graphile-worker's tables) and the notifications around runs. Plain
 * SQL, so that queuing shares the transaction that created the run: a run is queued
 * exactly when it exists.
 */
export class QueueRepo {
  constructor(private readonly ex: Executor) {}

  /** Queues a run; one queue per device runs a device's runs one at a time. */
  async addRun(run: { id: number; deviceId: number }): Promise<void> {
    await select(this.ex, `SELECT id FROM ${addRunJobSql('$1::int', '$2::int')}`, [
      run.id,
      run.deviceId,
    ]);
  }

  /**
   * Queues a run once more after `delayMs` (a run over quota waits in the queue, not in a
   * worker), only while it is pending. Its row is held meanwhile: a cancel either ends
   * it first (and nothing is queued) or comes after and takes the new job off the queue.
   * False when the run was no longer pending.
   */
  async requeuePending(run: { id: number; deviceId: number }, delayMs: number): Promise<boolean> {
    const rows = await select<{ id: number }>(
      this.ex,
      `WITH r AS (SELECT id FROM runs WHERE id = $1 AND status = 'pending' FOR SHARE)
       SELECT j.id FROM r CROSS JOIN LATERAL ${addRunJobSql(
         'r.id',
         '$2::int',
         `now() + $3::float8 * interval '1 millisecond'`,
       )} AS j`,
      [run.id, run.deviceId, delayMs],
    );
    return rows.length > 0;
  }

  /**
   * Takes the waiting jobs of these runs off the queue (a job a worker holds is dropped
   * by that worker: it finds the run no longer pending).
   */
  async dropWaiting(runIds: readonly number[]): Promise<void> {
    if (runIds.length === 0) return;
    await select(
      this.ex,
      `SELECT graphile_worker.complete_jobs(array_agg(j.id)) FROM graphile_worker.jobs j
       WHERE j.key = ANY($1::text[]) AND j.locked_at IS NULL`,
      [runIds.map((id) => `run:${id}`)],
    );
  }

  /**
   * Takes off the queue the run jobs that no worker holds and that can start nothing:
   * those of runs that ended (or are gone), and spent jobs left without a key.
   */
  async dropUseless(): Promise<void> {
    await select(
      this.ex,
      `SELECT graphile_worker.complete_jobs(array_agg(j.id)) FROM graphile_worker.jobs j
       WHERE j.task_identifier = '${RUN_TASK}' AND j.locked_at IS NULL
         AND CASE WHEN j.key IS NULL THEN j.attempts >= j.max_attempts
           ELSE NOT EXISTS (SELECT 1 FROM runs r WHERE r.id = ${runOfKey('j.key')}
             AND r.status IN ('pending', 'running')) END`,
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

  /**
   * Releases the jobs still held `staleMs` after their run ended: their worker died
   * between the run's end and the job's, and would otherwise hold the device's queue
   * for hours.
   */
  async releaseEnded(staleMs: number): Promise<void> {
    const rows = await select<{ id: number }>(
      this.ex,
      `SELECT r.id FROM graphile_worker.jobs j
       JOIN runs r ON r.id = CASE WHEN j.key ~ '^run:[0-9]{1,9}$' THEN substring(j.key FROM 5)::int END
       WHERE j.locked_at < now() - ($1::float8 * interval '1 millisecond')
         AND r.status IN ('ok', 'error')
         AND r.finished_at < now() - ($1::float8 * interval '1 millisecond')`,
      [staleMs],
    );
    if (rows.length > 0) await this.releaseRuns(rows.map((r) => r.id));
  }

  /**
   * Asks whichever worker runs this run to stop it: at once by NOTIFY (at commit), and
   * recorded on the run, so that a worker that missed the notification stops it at its
   * next heartbeat.
   */
  async requestCancel(runId: number): Promise<void> {
    await select(
      this.ex,
      `UPDATE runs SET cancel_requested_at = now() WHERE id = $1 AND status = 'running'
       RETURNING pg_notify($2, id::text)`,
      [runId, CANCEL_CHANNEL],
    );
  }
}
