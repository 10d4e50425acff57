import {
  BulkCreateRecord,
  BulkListInput,
  BulkTarget,
  type Platform,
  type Bulk,
  type BulkCounts,
  type BulkDeviceRun,
  type BulkOutputGroup,
  type BulkTargetParsed,
  type Page,
  type RunErrorReason,
  type RunStatus,
  type TemplateMode,
} from '@netauto/schema';
import { NotFoundError, ValidationError } from '../errors.js';
import { whereOf } from '../inventory/devices.repo.js';
import {
  decodeCursor,
  encodeCursor,
  inTransaction,
  iso,
  isoOrNull,
  parseInput,
  select,
  selectOne,
  type Executor,
} from '../sql.js';
import { addRunJobsSql, CANCEL_CHANNEL } from './queue.repo.js';

/** Sent (with the bulk's id) whenever one of a bulk's runs is added or changes status. */
export const BULK_PROGRESS_CHANNEL = 'netauto_bulk_progress';

/** Jobs queued per statement when a bulk's runs are enqueued. */
const ENQUEUE_BATCH = 2000;
/** Finished runs whose output hash is computed per statement. */
const HASH_BATCH = 200;

interface BulkRow {
  id: number;
  requestedBy: number | null;
  requestedByEmail: string | null;
  templateId: number | null;
  command: string | null;
  mode: TemplateMode;
  target: Record<string, unknown>;
  total: number;
  canceledAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

const BULK_COLUMNS = `b.id, b.requested_by AS "requestedBy", b.requested_by_email AS "requestedByEmail",
  b.template_id AS "templateId", b.command, b.mode, b.target, b.total,
  b.canceled_at AS "canceledAt", b.created_at AS "createdAt", b.updated_at AS "updatedAt"`;

/** The latest run of each device of bulk `$1` (a retry supersedes the run it retries). */
const LATEST = `SELECT DISTINCT ON (r.device_id) r.id, r.device_id, r.status, r.error_reason,
    r.output_hash, r.bytes
  FROM runs r WHERE r.bulk_id = $1 ORDER BY r.device_id, r.id DESC`;

const EMPTY_COUNTS: BulkCounts = { pending: 0, running: 0, ok: 0, error: 0 };

function toBulk(row: BulkRow, counts: BulkCounts): Bulk {
  return {
    id: row.id,
    requestedBy: row.requestedBy,
    requestedByEmail: row.requestedByEmail,
    templateId: row.templateId,
    command: row.command,
    mode: row.mode,
    target: row.target,
    total: row.total,
    counts,
    done: counts.pending === 0 && counts.running === 0,
    canceledAt: isoOrNull(row.canceledAt),
    createdAt: iso(row.createdAt),
    updatedAt: iso(row.updatedAt),
  };
}

/** A position in a bulk's progress: the transaction that last changed a run, then the run. */
export interface ProgressCursor {
  xid: string;
  runId: number;
}

export const PROGRESS_START: ProgressCursor = { xid: '0', runId: 0 };

export interface ProgressRow extends BulkDeviceRun {
  xid: string;
}

type BulkCursor = [string, number];
const isBulkCursor = (v: unknown): v is BulkCursor =>
  Array.isArray(v) && v.length === 2 && typeof v[0] === 'string' && Number.isInteger(v[1]);

/**
 * Bulk runs: one request over many devices, one run per device, all created and queued
 * in the caller's transaction with set-based statements.
 */
export class BulksRepo {
  constructor(private readonly ex: Executor) {}

  /**
   * Records a bulk and one pending run per device of its target, and queues them (one
   * queue per device, as single runs are). A target that matches no device is refused.
   */
  async create(input: BulkCreateRecord): Promise<{ bulk: Bulk; runs: number }> {
    const r = parseInput(BulkCreateRecord, input);
    return inTransaction(this.ex, async (tx) => {
      const target = await targetSql(tx, r.target);
      const n = target.bind.length;
      if (r.commands !== undefined) {
        const missing = await select<{ platform: string }>(
          tx,
          `SELECT DISTINCT d.platform FROM (${target.sql}) t JOIN devices d ON d.id = t.id
           WHERE NOT ($${n + 1}::jsonb ? d.platform) ORDER BY d.platform`,
          [...target.bind, JSON.stringify(r.commands)],
        );
        if (missing.length > 0) {
          const platforms = missing.map((m) => m.platform).join(', ');
          throw new ValidationError(`no command for the target's ${platforms} devices`, {
            target: [`has ${platforms} devices, for which there is no command`],
          });
        }
      }
      const bulk = await selectOne<BulkRow>(
        tx,
        `INSERT INTO bulks AS b (requested_by, requested_by_email, template_id, command, mode, target)
         VALUES ($1, $2, $3, $4, $5, $6::jsonb) RETURNING ${BULK_COLUMNS}`,
        [
          r.requestedBy ?? null,
          r.requestedByEmail ?? null,
          r.templateId ?? null,
          r.command ?? null,
          r.mode,
          JSON.stringify(r.target),
        ],
      );
      if (!bulk) throw new Error('bulk insert returned nothing');
      // One command for all, or each device its platform's.
      const command =
        r.commands === undefined
          ? `$${n + 3}::text`
          : `(SELECT $${n + 3}::jsonb ->> d.platform FROM devices d WHERE d.id = t.id)`;
      const inserted = await select<{ id: number; deviceId: number }>(
        tx,
        `INSERT INTO runs (device_id, template_id, bulk_id, command, mode, requested_by,
           requested_by_email)
         SELECT t.id, $${n + 1}, $${n + 2}, ${command}, $${n + 4}, $${n + 5}, $${n + 6}
         FROM (${target.sql}) t ORDER BY t.id
         RETURNING id, device_id AS "deviceId"`,
        [
          ...target.bind,
          r.templateId ?? null,
          bulk.id,
          r.commands === undefined ? r.command : JSON.stringify(r.commands),
          r.mode,
          r.requestedBy ?? null,
          r.requestedByEmail ?? null,
        ],
      );
      if (inserted.length === 0) {
        throw new ValidationError('the target matches no device', {
          target: ['matches no device'],
        });
      }
      await select(tx, `UPDATE bulks SET total = $2 WHERE id = $1 RETURNING id`, [
        bulk.id,
        inserted.length,
      ]);
      await enqueue(tx, inserted);
      return {
        bulk: toBulk(
          { ...bulk, total: inserted.length },
          { ...EMPTY_COUNTS, pending: inserted.length },
        ),
        runs: inserted.length,
      };
    });
  }

  /** The platforms of the devices a target matches (a missing group or device is refused). */
  async platformsOf(input: BulkTarget): Promise<Platform[]> {
    const target = await targetSql(this.ex, parseInput(BulkTarget, input, 'target'));
    const rows = await select<{ platform: Platform }>(
      this.ex,
      `SELECT DISTINCT d.platform FROM (${target.sql}) t JOIN devices d ON d.id = t.id
       ORDER BY d.platform`,
      target.bind,
    );
    return rows.map((r) => r.platform);
  }

  async get(id: number): Promise<Bulk> {
    const row = await selectOne<BulkRow>(
      this.ex,
      `SELECT ${BULK_COLUMNS} FROM bulks b WHERE b.id = $1`,
      [id],
    );
    if (!row) throw new NotFoundError('bulk', id);
    return toBulk(row, await this.counts(id));
  }

  /** Newest first, one page at a time. */
  async list(input: BulkListInput = {}): Promise<Page<Bulk>> {
    const q = parseInput(BulkListInput, input);
    const where: string[] = [];
    const bind: unknown[] = [];
    if (q.requestedBy !== undefined) {
      bind.push(q.requestedBy);
      where.push(`b.requested_by = $${bind.length}`);
    }
    if (q.cursor) {
      const [createdAt, id] = decodeCursor(q.cursor, isBulkCursor);
      bind.push(createdAt, id);
      where.push(`(b.created_at, b.id) < ($${bind.length - 1}::timestamptz, $${bind.length})`);
    }
    bind.push(q.limit + 1);
    const rows = await select<BulkRow & { sortKey: string }>(
      this.ex,
      `SELECT ${BULK_COLUMNS}, b.created_at::text AS "sortKey" FROM bulks b
       ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY b.created_at DESC, b.id DESC LIMIT $${bind.length}`,
      bind,
    );
    const more = rows.length > q.limit;
    const pageRows = more ? rows.slice(0, q.limit) : rows;
    const counts = await this.countsOf(pageRows.map((b) => b.id));
    const last = pageRows.at(-1);
    return {
      items: pageRows.map((b) => toBulk(b, counts.get(b.id) ?? EMPTY_COUNTS)),
      nextCursor: more && last ? encodeCursor([last.sortKey, last.id]) : null,
    };
  }

  /** Devices by the status of their latest run in the bulk. */
  async counts(id: number): Promise<BulkCounts> {
    return (await this.countsOf([id])).get(id) ?? { ...EMPTY_COUNTS };
  }

  private async countsOf(ids: readonly number[]): Promise<Map<number, BulkCounts>> {
    const out = new Map<number, BulkCounts>();
    if (ids.length === 0) return out;
    const rows = await select<{ bulkId: number; status: RunStatus; n: number }>(
      this.ex,
      `SELECT b.id AS "bulkId", l.status, count(*)::int AS n
       FROM unnest($1::int[]) AS b(id)
       CROSS JOIN LATERAL (
         SELECT DISTINCT ON (r.device_id) r.status FROM runs r
         WHERE r.bulk_id = b.id ORDER BY r.device_id, r.id DESC
       ) l
       GROUP BY b.id, l.status`,
      [ids],
    );
    for (const row of rows) {
      const counts = out.get(row.bulkId) ?? { ...EMPTY_COUNTS };
      counts[row.status] = row.n;
      out.set(row.bulkId, counts);
    }
    return out;
  }

  /**
   * Runs of the bulk whose status changed after `after`, in the order of the transactions
   * that changed them. Only transactions that every open snapshot agrees are over are
   * read, so a reader that resumes from the last row it got misses and repeats nothing.
   */
  async progress(id: number, after: ProgressCursor, limit = 500): Promise<ProgressRow[]> {
    return select<ProgressRow>(
      this.ex,
      `SELECT r.id AS "runId", r.device_id AS "deviceId", d.hostname, r.status,
         r.error_reason AS "errorReason", r.status_xid::text AS xid
       FROM runs r JOIN devices d ON d.id = r.device_id
       WHERE r.bulk_id = $1 AND (r.status_xid, r.id) > ($2::xid8, $3::int)
         AND r.status_xid < pg_snapshot_xmin(pg_current_snapshot())
       ORDER BY r.status_xid, r.id LIMIT $4`,
      [id, after.xid, after.runId, limit],
    );
  }

  /** True when a run of the bulk changed after `after` (read or not yet readable). */
  async changedAfter(id: number, after: ProgressCursor): Promise<boolean> {
    const row = await selectOne<{ changed: boolean }>(
      this.ex,
      `SELECT EXISTS (SELECT 1 FROM runs r WHERE r.bulk_id = $1
         AND (r.status_xid, r.id) > ($2::xid8, $3::int)) AS changed`,
      [id, after.xid, after.runId],
    );
    return row?.changed ?? false;
  }

  /**
   * Stores the output hash of the bulk's finished runs that have none yet (SHA-256 of
   * the whole output, computed once per run, in batches).
   */
  async hashOutputs(id: number): Promise<void> {
    for (;;) {
      const rows = await select<{ id: number }>(
        this.ex,
        `UPDATE runs AS r SET output_hash = (
           SELECT encode(sha256(convert_to(coalesce(string_agg(c.data, '' ORDER BY c.seq), ''), 'UTF8')), 'hex')
           FROM run_chunks c WHERE c.run_id = r.id)
         WHERE r.id IN (
           SELECT x.id FROM runs x WHERE x.bulk_id = $1 AND x.status IN ('ok', 'error')
             AND x.output_hash IS NULL LIMIT $2)
         RETURNING r.id`,
        [id, HASH_BATCH],
      );
      if (rows.length < HASH_BATCH) return;
    }
  }

  /** Failed devices by reason, the most first. */
  async reasons(id: number): Promise<{ reason: RunErrorReason; count: number }[]> {
    return select(
      this.ex,
      `SELECT l.error_reason AS reason, count(*)::int AS count FROM (${LATEST}) l
       WHERE l.status = 'error' GROUP BY l.error_reason ORDER BY count DESC, reason`,
      [id],
    );
  }

  /**
   * Finished devices grouped by status and identical output (call hashOutputs first), the
   * largest groups first, each with up to `perGroup` devices and the start of its output.
   */
  async outputGroups(
    id: number,
    opts: { groups: number; perGroup: number },
  ): Promise<{ groups: BulkOutputGroup[]; total: number }> {
    const groups = await select<{
      status: 'ok' | 'error';
      hash: string;
      count: number;
      bytes: number;
      sampleRun: number;
      total: number;
    }>(
      this.ex,
      `SELECT l.status, l.output_hash AS hash, count(*)::int AS count,
         max(l.bytes)::float8 AS bytes, min(l.id) AS "sampleRun",
         (count(*) OVER ())::int AS total
       FROM (${LATEST}) l
       WHERE l.status IN ('ok', 'error') AND l.output_hash IS NOT NULL
       GROUP BY l.status, l.output_hash
       ORDER BY count DESC, l.status DESC, l.output_hash LIMIT $2`,
      [id, opts.groups],
    );
    if (groups.length === 0) return { groups: [], total: 0 };
    const members = await select<BulkDeviceRun & { hash: string }>(
      this.ex,
      `SELECT m."deviceId", m.hostname, m."runId", m.status, m."errorReason", m.hash FROM (
         SELECT l.device_id AS "deviceId", d.hostname, l.id AS "runId", l.status,
           l.error_reason AS "errorReason", l.status || ':' || l.output_hash AS hash,
           row_number() OVER (PARTITION BY l.status, l.output_hash ORDER BY d.hostname, l.id) AS n
         FROM (${LATEST}) l JOIN devices d ON d.id = l.device_id
         WHERE l.status || ':' || l.output_hash = ANY($2::text[])
       ) m WHERE m.n <= $3 ORDER BY m.hostname, m."runId"`,
      [id, groups.map((g) => `${g.status}:${g.hash}`), opts.perGroup],
    );
    const previews = await select<{ runId: number; preview: string }>(
      this.ex,
      `SELECT c.run_id AS "runId", left(string_agg(c.data, '' ORDER BY c.seq), 500) AS preview
       FROM run_chunks c WHERE c.run_id = ANY($1::int[]) AND c.seq < 8 GROUP BY c.run_id`,
      [groups.map((g) => g.sampleRun)],
    );
    const previewOf = new Map(previews.map((p) => [p.runId, p.preview]));
    const byGroup = new Map<string, BulkDeviceRun[]>();
    for (const { hash, ...member } of members) {
      const list = byGroup.get(hash) ?? [];
      list.push(member);
      byGroup.set(hash, list);
    }
    return {
      total: groups[0]?.total ?? 0,
      groups: groups.map((g) => ({
        status: g.status,
        hash: g.hash,
        count: g.count,
        bytes: g.bytes,
        preview: previewOf.get(g.sampleRun) ?? '',
        devices: byGroup.get(`${g.status}:${g.hash}`) ?? [],
      })),
    };
  }

  /**
   * New runs, linked to the bulk, for the devices whose latest run in it failed (and, if
   * asked, was canceled); queued like the first ones. Holds the bulk's row lock so that
   * two retries at once do not run a device twice.
   */
  async retryFailed(
    id: number,
    opts: { includeCanceled: boolean; requestedBy: number | null; requestedByEmail: string | null },
  ): Promise<number> {
    return inTransaction(this.ex, async (tx) => {
      await lockBulk(tx, id);
      const inserted = await select<{ id: number; deviceId: number }>(
        tx,
        `INSERT INTO runs (device_id, template_id, bulk_id, command, mode, requested_by,
           requested_by_email)
         SELECT x.device_id, x.template_id, $1, x.command, x.mode, $3, $4 FROM (
           SELECT DISTINCT ON (r.device_id) r.device_id, r.template_id, r.command, r.mode,
             r.status, r.error_reason
           FROM runs r WHERE r.bulk_id = $1 ORDER BY r.device_id, r.id DESC
         ) x
         WHERE x.status = 'error' AND ($2 OR x.error_reason <> 'canceled')
         ORDER BY x.device_id
         RETURNING id, device_id AS "deviceId"`,
        [id, opts.includeCanceled, opts.requestedBy, opts.requestedByEmail],
      );
      if (inserted.length > 0) {
        await select(
          tx,
          `UPDATE bulks SET canceled_at = NULL, updated_at = now() WHERE id = $1 RETURNING id`,
          [id],
        );
        await enqueue(tx, inserted);
      }
      return inserted.length;
    });
  }

  /**
   * Cancels the bulk: its pending runs end as canceled in one statement (a run a worker
   * starts meanwhile is not touched) and leave the queue; its running runs are asked to
   * stop. Returns how many of each.
   */
  async cancel(
    id: number,
    message: string,
  ): Promise<{ canceledPending: number; stopping: number }> {
    return inTransaction(this.ex, async (tx) => {
      await lockBulk(tx, id);
      await select(
        tx,
        `UPDATE bulks SET canceled_at = now(), updated_at = now() WHERE id = $1 RETURNING id`,
        [id],
      );
      const canceled = await select<{ id: number }>(
        tx,
        `UPDATE runs SET status = 'error', error_reason = 'canceled', error_message = $2,
           finished_at = now(), updated_at = now()
         WHERE bulk_id = $1 AND status = 'pending' RETURNING id`,
        [id, message],
      );
      if (canceled.length > 0) {
        // Their jobs would only find a finished run; take them off the queue now.
        await select(
          tx,
          `SELECT graphile_worker.complete_jobs(array_agg(j.id)) FROM graphile_worker.jobs j
           WHERE j.key = ANY($1::text[]) AND j.locked_at IS NULL`,
          [canceled.map((r) => `run:${r.id}`)],
        );
      }
      const stopping = await select<{ id: number }>(
        tx,
        // Rows locked in id order, as every statement that changes many running runs
        // does: such statements never deadlock with each other.
        `WITH l AS (
           SELECT id FROM runs WHERE bulk_id = $1 AND status = 'running' ORDER BY id FOR UPDATE
         )
         UPDATE runs r SET cancel_requested_at = now() FROM l
         WHERE r.id = l.id AND r.status = 'running'
         RETURNING r.id, pg_notify($2, r.id::text)`,
        [id, CANCEL_CHANNEL],
      );
      return { canceledPending: canceled.length, stopping: stopping.length };
    });
  }
}

async function lockBulk(tx: Executor, id: number): Promise<void> {
  const row = await selectOne<{ id: number }>(tx, `SELECT id FROM bulks WHERE id = $1 FOR UPDATE`, [
    id,
  ]);
  if (!row) throw new NotFoundError('bulk', id);
}

/** Queues runs in batches with graphile-worker's add_jobs, one queue per device. */
async function enqueue(
  tx: Executor,
  runs: readonly { id: number; deviceId: number }[],
): Promise<void> {
  for (let i = 0; i < runs.length; i += ENQUEUE_BATCH) {
    const batch = runs.slice(i, i + ENQUEUE_BATCH);
    await select(
      tx,
      `SELECT count(*) FROM ${addRunJobsSql('unnest($1::int[], $2::int[]) AS t(id, device_id)')}`,
      [batch.map((r) => r.id), batch.map((r) => r.deviceId)],
    );
  }
}

/** The device ids of a target as a subquery `SELECT id`, and its parameters. */
async function targetSql(
  tx: Executor,
  target: BulkTargetParsed,
): Promise<{ sql: string; bind: unknown[] }> {
  switch (target.type) {
    case 'group': {
      const group = await selectOne<{ id: number }>(
        tx,
        'SELECT id FROM device_groups WHERE id = $1',
        [target.groupId],
      );
      if (!group) throw new NotFoundError('group', target.groupId);
      return {
        sql: 'SELECT m.device_id AS id FROM device_group_memberships m WHERE m.group_id = $1',
        bind: [target.groupId],
      };
    }
    case 'devices': {
      const ids = [...new Set(target.deviceIds)];
      const missing = await select<{ id: number }>(
        tx,
        `SELECT t.id FROM unnest($1::int[]) AS t(id)
         WHERE NOT EXISTS (SELECT 1 FROM devices d WHERE d.id = t.id) ORDER BY t.id LIMIT 10`,
        [ids],
      );
      if (missing.length > 0) {
        throw new NotFoundError('device', missing.map((m) => m.id).join(', '));
      }
      return { sql: 'SELECT unnest($1::int[]) AS id', bind: [ids] };
    }
    case 'filter': {
      const { where, bind, search } = whereOf({
        ...target.filter,
        sort: 'hostname',
        dir: 'asc',
        limit: 1,
      });
      const conditions = search === undefined ? where : [search, ...where];
      return {
        sql: `SELECT d.id FROM devices d ${conditions.length ? `WHERE ${conditions.join(' AND ')}` : ''}`,
        bind,
      };
    }
  }
}
