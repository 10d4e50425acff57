import {
  RUN_TRANSITIONS,
  RunCreateRecord,
  RunListInput,
  isTerminalRunStatus,
  type Device,
  type Page,
  type Run,
  type RunDetail,
  type RunErrorReason,
  type RunStatus,
} from '@netauto/schema';
import { InvalidStateError, NotFoundError } from '../errors.js';
import { auditValues, type AuditRecord } from '../auth/audit.repo.js';
import {
  DEVICE_COLUMNS,
  DevicesRepo,
  toDevice,
  type DeviceRow,
} from '../inventory/devices.repo.js';
import {
  containsPattern,
  decodeCursor,
  inTransaction,
  encodeCursor,
  iso,
  isoOrNull,
  parseInput,
  select,
  selectOne,
  type Executor,
} from '../sql.js';
import { packedParams, packedRows, packOutput } from './chunks.repo.js';
import { addRunJobSql, addRunJobsSql, QueueRepo } from './queue.repo.js';
import { TemplatesRepo } from './templates.repo.js';

export const RUN_COLUMNS = `r.id, r.device_id AS "deviceId", r.template_id AS "templateId",
  r.bulk_id AS "bulkId", r.command, r.mode, r.status, r.error_reason AS "errorReason",
  r.error_message AS "errorMessage", r.bytes::float8 AS bytes, r.chunks AS "chunkCount",
  r.exit_code AS "exitCode", r.attempt, r.requested_by AS "requestedBy",
  r.requested_by_email AS "requestedByEmail", r.requested_at AS "requestedAt",
  r.started_at AS "startedAt", r.finished_at AS "finishedAt",
  r.created_at AS "createdAt", r.updated_at AS "updatedAt"`;

type Stamp = 'requestedAt' | 'startedAt' | 'finishedAt' | 'createdAt' | 'updatedAt';
export type RunRow = Omit<Run, Stamp> & {
  requestedAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
};

export function toRun(row: RunRow): Run {
  return {
    id: row.id,
    deviceId: row.deviceId,
    templateId: row.templateId,
    bulkId: row.bulkId,
    command: row.command,
    mode: row.mode,
    status: row.status,
    errorReason: row.errorReason,
    errorMessage: row.errorMessage,
    bytes: row.bytes,
    chunkCount: row.chunkCount,
    exitCode: row.exitCode,
    attempt: row.attempt,
    requestedBy: row.requestedBy,
    requestedByEmail: row.requestedByEmail,
    requestedAt: iso(row.requestedAt),
    startedAt: isoOrNull(row.startedAt),
    finishedAt: isoOrNull(row.finishedAt),
    createdAt: iso(row.createdAt),
    updatedAt: iso(row.updatedAt),
  };
}

export interface RunPreload {
  device?: boolean;
  template?: boolean;
}

/** What a run's end records. */
export type RunOutcome =
  | { status: 'ok'; exitCode?: number | null }
  | { status: 'error'; reason: RunErrorReason; message?: string | null; exitCode?: number | null };

/** The statuses a run may be in to move to `to`. */
function fromStatuses(to: RunStatus): RunStatus[] {
  return (Object.keys(RUN_TRANSITIONS) as RunStatus[]).filter((from) =>
    RUN_TRANSITIONS[from].includes(to),
  );
}

/** Held while one process looks for runs their queue lost (see reconcileQueue). */
const RECONCILE_LOCK = 727316403;

type RunCursor = [string, number];
const isRunCursor = (v: unknown): v is RunCursor =>
  Array.isArray(v) && v.length === 2 && typeof v[0] === 'string' && Number.isInteger(v[1]);

export class RunsRepo {
  constructor(private readonly ex: Executor) {}

  /**
   * Records a pending run. With `queue`, it is queued in the same statement, so that it
   * is queued exactly when it exists. A missing device is a NotFoundError.
   */
  async create(
    input: RunCreateRecord,
    options: {
      queue?: boolean;
      /** An audit event written by the same statement, about the new run. */
      audit?: Omit<AuditRecord, 'targetType' | 'targetId'>;
    } = {},
  ): Promise<Run> {
    const r = parseInput(RunCreateRecord, input);
    const insert = `INSERT INTO runs AS r (device_id, template_id, bulk_id, command, mode,
         requested_by, requested_by_email)
       VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ${RUN_COLUMNS}`;
    const ctes = [`r AS (${insert})`];
    const bind: unknown[] = [
      r.deviceId,
      r.templateId ?? null,
      r.bulkId ?? null,
      r.command,
      r.mode,
      r.requestedBy ?? null,
      r.requestedByEmail ?? null,
    ];
    if (options.queue) ctes.push(`j AS (SELECT ${addRunJobSql('r.id', 'r."deviceId"')} FROM r)`);
    if (options.audit) {
      const a = auditValues({ ...options.audit, targetType: 'run' });
      bind.push(a.actorId, a.actorEmail, a.action, a.summary);
      ctes.push(`a AS (INSERT INTO audit_events (actor_id, actor_email, action, target_type,
           target_id, summary) SELECT $8, $9, $10, 'run', r.id::text, $11::jsonb FROM r)`);
    }
    const row = await selectOne<RunRow>(
      this.ex,
      ctes.length === 1
        ? insert
        : `WITH ${ctes.join(', ')} SELECT r.* FROM r${options.queue ? ', j' : ''}`,
      bind,
      { prepare: true },
    );
    return toRun(row as RunRow);
  }

  /**
   * Records many runs, queues them and writes an audit event for each, in one
   * statement: all of them or none. The runs come back in the order given.
   */
  async createMany(
    items: readonly {
      record: RunCreateRecord;
      audit: Omit<AuditRecord, 'targetType' | 'targetId'>;
    }[],
  ): Promise<Run[]> {
    if (items.length === 0) return [];
    const records = items.map((i) => parseInput(RunCreateRecord, i.record));
    const audits = items.map((i) => auditValues({ ...i.audit, targetType: 'run' }));
    const rows = await select<RunRow & { ord: string }>(
      this.ex,
      `WITH input AS (
         SELECT * FROM unnest($1::int[], $2::int[], $3::int[], $4::text[], $5::text[],
           $6::int[], $7::text[]) WITH ORDINALITY AS i(device_id, template_id, bulk_id,
           command, mode, requested_by, requested_by_email, ord)
       ), ids AS (
         SELECT i.*, nextval(pg_get_serial_sequence('runs', 'id'))::int AS id FROM input i
       ), r AS (
         INSERT INTO runs AS r (id, device_id, template_id, bulk_id, command, mode,
           requested_by, requested_by_email)
         SELECT id, device_id, template_id, bulk_id, command, mode, requested_by,
           requested_by_email FROM ids ORDER BY ord
         RETURNING ${RUN_COLUMNS}
       ), j AS (
         SELECT count(*) AS queued FROM ${addRunJobsSql('(SELECT id, "deviceId" AS device_id FROM r) t')}
       ), a AS (
         INSERT INTO audit_events (actor_id, actor_email, action, target_type, target_id, summary)
         SELECT x.actor_id, x.actor_email, x.action, 'run', ids.id::text, x.summary::jsonb
         FROM unnest($8::int[], $9::text[], $10::text[], $11::text[])
           WITH ORDINALITY AS x(actor_id, actor_email, action, summary, ord)
         JOIN ids USING (ord)
       )
       SELECT r.*, ids.ord FROM r JOIN ids ON ids.id = r.id, j ORDER BY ids.ord`,
      [
        records.map((r) => r.deviceId),
        records.map((r) => r.templateId ?? null),
        records.map((r) => r.bulkId ?? null),
        records.map((r) => r.command),
        records.map((r) => r.mode),
        records.map((r) => r.requestedBy ?? null),
        records.map((r) => r.requestedByEmail ?? null),
        audits.map((a) => a.actorId),
        audits.map((a) => a.actorEmail),
        audits.map((a) => a.action),
        audits.map((a) => a.summary),
      ],
    );
    return rows.map(toRun);
  }

  async get(id: number): Promise<Run>;
  async get(id: number, preload: RunPreload): Promise<RunDetail>;
  async get(id: number, preload?: RunPreload): Promise<RunDetail> {
    const row = await selectOne<RunRow>(
      this.ex,
      `SELECT ${RUN_COLUMNS} FROM runs r WHERE r.id = $1`,
      [id],
      { prepare: true },
    );
    if (!row) throw new NotFoundError('run', id);
    const run: RunDetail = toRun(row);
    if (preload?.device) run.device = await new DevicesRepo(this.ex).get(run.deviceId);
    if (preload?.template) {
      run.template =
        run.templateId === null ? null : await new TemplatesRepo(this.ex).get(run.templateId);
    }
    return run;
  }

  /** Newest first, filtered, one page at a time. */
  async list(input: RunListInput = {}): Promise<Page<Run>> {
    const q = parseInput(RunListInput, input);
    const where: string[] = [];
    const bind: unknown[] = [];
    const add = (sql: (p: string) => string, value: unknown) => {
      bind.push(value);
      where.push(sql(`$${bind.length}`));
    };
    if (q.deviceId !== undefined) add((p) => `r.device_id = ${p}`, q.deviceId);
    if (q.bulkId !== undefined) add((p) => `r.bulk_id = ${p}`, q.bulkId);
    if (q.status?.length) add((p) => `r.status = ANY(${p}::text[])`, q.status);
    if (q.requestedBy !== undefined) add((p) => `r.requested_by = ${p}`, q.requestedBy);
    if (q.from !== undefined) add((p) => `r.requested_at >= ${p}::timestamptz`, q.from);
    if (q.to !== undefined) add((p) => `r.requested_at < ${p}::timestamptz`, q.to);
    if (q.q) {
      add((p) => `r.command ILIKE ${p}`, containsPattern(q.q));
    }
    if (q.cursor) {
      const [createdAt, id] = decodeCursor(q.cursor, isRunCursor);
      bind.push(createdAt, id);
      const n = bind.length;
      where.push(`(r.created_at, r.id) < ($${n - 1}::timestamptz, $${n})`);
    }
    bind.push(q.limit + 1);
    const rows = await select<RunRow & { sortKey: string }>(
      this.ex,
      `SELECT ${RUN_COLUMNS}, r.created_at::text AS "sortKey" FROM runs r
       ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY r.created_at DESC, r.id DESC LIMIT $${bind.length}`,
      bind,
    );
    const more = rows.length > q.limit;
    const pageRows = more ? rows.slice(0, q.limit) : rows;
    const last = pageRows.at(-1);
    return {
      items: pageRows.map(toRun),
      nextCursor: more && last ? encodeCursor([last.sortKey, last.id]) : null,
    };
  }

  /**
   * pending → running, stamping started_at (the time of this statement: a start that
   * waited for the quota lock is recorded when it really began) and, when given, the
   * worker that runs it.
   */
  async markRunning(id: number, workerId?: string): Promise<Run> {
    return this.transition(
      id,
      'running',
      `started_at = statement_timestamp(), worker_id = $4, heartbeat_at = now()`,
      [workerId ?? null],
    );
  }

  /**
   * Starts a pending run if the quotas allow: at most `global` runs at once in all and
   * `perSite` per site (devices without a site share "default"). Holds a lock while it
   * counts, so that workers in any number of processes never start too many. Returns
   * 'over' when a quota is full (the run stays pending), or the started run.
   */
  /**
   * Starts a pending run if fewer than the quotas' runs are running (in all and on its
   * site) and no run of its device runs or waits before it; in the same statement,
   * reads what its worker needs: the device, and the template's command
   * timeout (a run's device cannot be deleted). 'over' when a quota is full (the run
   * stays pending).
   */
  async startForWorker(
    id: number,
    workerId: string | undefined,
    quota: { global: number; perSite: number },
  ): Promise<{ run: Run; device: Device; commandTimeoutMs: number | null } | 'over'> {
    // One statement: the start lock is held only while the database counts.
    const row = await selectOne<RunRow & { device: DeviceRow; commandTimeoutMs: number | null }>(
      this.ex,
      `SELECT ${RUN_COLUMNS}, dv.device, t.command_timeout_ms AS "commandTimeoutMs"
       FROM runs_start_within_quota($1, $2, $3, $4) AS r
       CROSS JOIN LATERAL (
         SELECT to_json(x) AS device FROM (SELECT ${DEVICE_COLUMNS} FROM devices d
           WHERE d.id = r.device_id) x
       ) dv
       LEFT JOIN command_templates t ON t.id = r.template_id`,
      [id, workerId ?? null, quota.global, quota.perSite],
      { prepare: true },
    );
    if (!row) throw new NotFoundError('run', id);
    if (row.status !== 'running') return 'over';
    return {
      run: toRun(row),
      device: toDevice(row.device),
      commandTimeoutMs: row.commandTimeoutMs,
    };
  }

  /**
   * A worker says it is still running these runs. Returns those of them whose cancel
   * was asked for (the worker stops them, should it have missed the notification).
   */
  async heartbeat(workerId: string, ids: readonly number[]): Promise<number[]> {
    if (ids.length === 0) return [];
    const rows = await select<{ id: number; cancel: boolean }>(
      this.ex,
      // Rows locked in id order (see ChunksRepo.storeMany).
      `WITH l AS (
         SELECT id FROM runs WHERE id = ANY($1::int[]) AND worker_id = $2 AND status = 'running'
         ORDER BY id FOR UPDATE
       )
       UPDATE runs r SET heartbeat_at = now() FROM l
       WHERE r.id = l.id AND r.status = 'running'
       RETURNING r.id, r.cancel_requested_at IS NOT NULL AS cancel`,
      [ids, workerId],
      { prepare: true },
    );
    return rows.filter((r) => r.cancel).map((r) => r.id);
  }

  /**
   * Deals with the runs whose worker has not been heard from for `staleMs` (it died, or
   * lost the database): a first attempt that stored no output goes back to pending and
   * is queued again; every other one ends as worker_lost, its stored output kept. The
   * dead worker's hold on the queue is released too (also for runs it had ended but not
   * yet told the queue about), so the device's next runs go on.
   */
  async recoverLost(staleMs: number): Promise<{ retried: Run[]; lost: Run[] }> {
    return inTransaction(this.ex, async (tx) => {
      const stale = await select<{ id: number; deviceId: number; retry: boolean }>(
        tx,
        `SELECT id, device_id AS "deviceId", (chunks = 0 AND attempt = 1) AS retry FROM runs
         WHERE status = 'running' AND heartbeat_at < now() - ($1::float8 * interval '1 millisecond')
         ORDER BY id FOR UPDATE SKIP LOCKED`,
        [staleMs],
      );
      const queue = new QueueRepo(tx);
      await queue.releaseEnded(staleMs);
      if (stale.length === 0) return { retried: [], lost: [] };
      await queue.releaseRuns(stale.map((r) => r.id));
      const retry = stale.filter((r) => r.retry).map((r) => r.id);
      const lose = stale.filter((r) => !r.retry).map((r) => r.id);
      const retried = await select<RunRow>(
        tx,
        `UPDATE runs AS r SET status = 'pending', attempt = attempt + 1, started_at = NULL,
           worker_id = NULL, heartbeat_at = NULL, updated_at = now()
         WHERE r.id = ANY($1::int[]) RETURNING ${RUN_COLUMNS}`,
        [retry],
      );
      for (const run of retried) await queue.addRun(run);
      const lost = await select<RunRow>(
        tx,
        `UPDATE runs AS r SET status = 'error', error_reason = 'worker_lost',
           error_message = 'the worker running it stopped answering; output stored before is kept',
           finished_at = now(), updated_at = now()
         WHERE r.id = ANY($1::int[]) RETURNING ${RUN_COLUMNS}`,
        [lose],
      );
      return { retried: retried.map(toRun), lost: lost.map(toRun) };
    });
  }

  /**
   * Deals with the pending runs that their queue would never start: their job is gone,
   * spent (it failed, or its worker died and it was handed back with no attempt left),
   * or held for `staleMs` by a worker that never started it (it died with the job in
   * hand). Each such run is queued afresh once, as its second attempt (its device's
   * order holds: the start lock keeps one run at a time per device, oldest first);
   * when that one is lost too, it ends as worker_lost. Runs not changed for `staleMs`
   * only, so that a run being queued is left alone; one process at a time (the others
   * skip their turn). Run jobs that can start nothing (their run ended) leave the queue.
   */
  async reconcileQueue(staleMs: number): Promise<{ requeued: Run[]; lost: Run[] }> {
    return inTransaction(this.ex, async (tx) => {
      const turn = await selectOne<{ mine: boolean }>(
        tx,
        `SELECT pg_try_advisory_xact_lock(${RECONCILE_LOCK}) AS mine`,
      );
      if (!turn?.mine) return { requeued: [], lost: [] };
      const queue = new QueueRepo(tx);
      await queue.dropUseless();
      // A job that can still start the run: waiting with an attempt left, or held by a
      // worker lately (a live worker starts or hands back what it took well before).
      const orphan = `r.status = 'pending'
        AND r.updated_at < now() - ($1::float8 * interval '1 millisecond')
        AND NOT EXISTS (SELECT 1 FROM graphile_worker.jobs j WHERE j.key = 'run:' || r.id
          AND CASE WHEN j.locked_at IS NULL THEN j.attempts < j.max_attempts
            ELSE j.locked_at > now() - ($1::float8 * interval '1 millisecond') END)`;
      const held = await select<{ id: number }>(
        tx,
        `SELECT r.id FROM runs r WHERE ${orphan} ORDER BY r.id FOR UPDATE OF r SKIP LOCKED`,
        [staleMs],
      );
      if (held.length === 0) return { requeued: [], lost: [] };
      // Looked at again now that they are held: a job queued meanwhile is seen.
      const orphans = await select<{ id: number; attempt: number }>(
        tx,
        `SELECT r.id, r.attempt FROM runs r WHERE r.id = ANY($2::int[]) AND ${orphan}`,
        [staleMs, held.map((r) => r.id)],
      );
      if (orphans.length === 0) return { requeued: [], lost: [] };
      await queue.releaseRuns(orphans.map((r) => r.id));
      const requeued = await select<RunRow>(
        tx,
        `UPDATE runs AS r SET attempt = attempt + 1, updated_at = now()
         WHERE r.id = ANY($1::int[]) RETURNING ${RUN_COLUMNS}`,
        [orphans.filter((r) => r.attempt === 1).map((r) => r.id)],
      );
      for (const run of requeued) await queue.addRun(run);
      const lost = await select<RunRow>(
        tx,
        `UPDATE runs AS r SET status = 'error', error_reason = 'worker_lost',
           error_message = 'twice a worker took it from the queue and stopped before starting it',
           finished_at = now(), updated_at = now()
         WHERE r.id = ANY($1::int[]) RETURNING ${RUN_COLUMNS}`,
        [orphans.filter((r) => r.attempt !== 1).map((r) => r.id)],
      );
      return { requeued: requeued.map(toRun), lost: lost.map(toRun) };
    });
  }

  /**
   * pending | running → ok | error, stamping finished_at. `from` narrows the statuses
   * the run may be in (a cancel of a pending run must not end one that just started).
   */
  async finish(id: number, outcome: RunOutcome, from?: readonly RunStatus[]): Promise<Run> {
    if (outcome.status === 'ok') {
      return this.transition(
        id,
        'ok',
        `finished_at = now(), exit_code = $4`,
        [outcome.exitCode ?? null],
        from,
      );
    }
    return this.transition(
      id,
      'error',
      `finished_at = now(), error_reason = $4, error_message = $5, exit_code = $6`,
      [outcome.reason, outcome.message ?? null, outcome.exitCode ?? null],
      from,
    );
  }

  /**
   * The worker's end of a run, in one statement: running → ok | error with the output
   * not stored yet appended (followers hear of the end from the status trigger), and
   * the SHA-256 of its whole output when the worker has it.
   *
   * With `first` (the seq the output's first chunk gets, i.e. the chunks stored so far)
   * it may be sent again after a lost connection: it ends the run only when it has
   * exactly `first` chunks, and a run that already ended so (an earlier attempt was
   * committed) is returned as it is.
   */
  async complete(
    id: number,
    outcome: RunOutcome,
    output: string | readonly string[] = [],
    outputHash?: string,
    first?: number,
  ): Promise<Run> {
    const packed = packOutput(output);
    const failed = outcome.status === 'error';
    const row = await selectOne<RunRow>(
      this.ex,
      `WITH r AS (
         UPDATE runs AS r SET status = $2, finished_at = now(), exit_code = $3,
           error_reason = $4, error_message = $5, chunks = chunks + $9, bytes = bytes + $10,
           output_hash = $11, updated_at = now()
         WHERE r.id = $1 AND r.status = 'running' AND ($12::int IS NULL OR r.chunks = $12)
         RETURNING ${RUN_COLUMNS}, r.chunks - $9 AS first
       ), c AS (
         INSERT INTO run_chunks (run_id, seq, data)
         SELECT $1, r.first + p.ord - 1, p.data
         FROM r, ${packedRows('$6', '$7', '$8')}
       )
       SELECT r.* FROM r`,
      [
        id,
        outcome.status,
        outcome.exitCode ?? null,
        failed ? outcome.reason : null,
        failed ? (outcome.message ?? null) : null,
        ...packedParams(packed),
        packed.lengths.length,
        packed.bytes,
        outputHash ?? null,
        first ?? null,
      ],
      { prepare: true },
    );
    if (row) return toRun(row);
    const current = await this.get(id);
    if (
      first !== undefined &&
      current.status === outcome.status &&
      current.errorReason === (failed ? outcome.reason : null) &&
      current.chunkCount === first + packed.lengths.length
    ) {
      return current;
    }
    throw new InvalidStateError(
      `run ${id} is ${current.status} and cannot become ${outcome.status}`,
    );
  }

  private async transition(
    id: number,
    to: RunStatus,
    sets: string,
    bind: unknown[],
    from: readonly RunStatus[] = fromStatuses(to),
  ): Promise<Run> {
    const allowed = from.filter((s) => RUN_TRANSITIONS[s].includes(to));
    const row = await selectOne<RunRow>(
      this.ex,
      `UPDATE runs AS r SET status = $3, ${sets}, updated_at = now()
       WHERE r.id = $1 AND r.status = ANY($2::text[]) RETURNING ${RUN_COLUMNS}`,
      [id, allowed, to, ...bind],
    );
    if (row) return toRun(row);
    const current = await this.get(id);
    throw new InvalidStateError(`run ${id} is ${current.status} and cannot become ${to}`);
  }

  /** Deletes a finished run and its output; a run in progress is refused. */
  async delete(id: number): Promise<Run> {
    const run = await this.get(id);
    if (!isTerminalRunStatus(run.status)) {
      throw new InvalidStateError(`run ${id} is ${run.status}; only finished runs can be deleted`);
    }
    await select(
      this.ex,
      `DELETE FROM runs WHERE id = $1 AND status IN ('ok', 'error') RETURNING id`,
      [id],
    );
    return run;
  }
}
