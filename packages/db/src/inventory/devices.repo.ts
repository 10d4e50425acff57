import {
  DEFAULT_PORTS,
  DEVICE_SORT_FIELDS,
  DeviceCreate,
  DeviceListInput,
  DevicePatch,
  type Device,
  type DeviceField,
  type DeviceListQuery,
  type DevicePage,
  type DeviceSortField,
  type UpsertResult,
} from '@netauto/schema';
import { fn, literal } from 'sequelize';
import { z } from 'zod';
import { InvalidStateError, NotFoundError, ValidationError } from '../errors.js';
import { Device as DeviceModel, Run } from '../models/index.js';
import { DEVICE_COLUMN_MAP, type DeviceColumn } from '../models/device.model.js';
import {
  containsPattern,
  decodeCursor,
  encodeCursor,
  fieldErrorsOf,
  inTransaction,
  iso,
  parseInput,
  select,
  selectOne,
  translateError,
  type Executor,
} from '../sql.js';

/**
 * A device field's value as a SELECT on `devices d` reads it: an address as its text
 * without a mask, the rest as stored, named as the field.
 */
function selectExpr({ field, column, type }: DeviceColumn): string {
  const expr = type === 'inet' ? `host(d.${column})` : `d.${column}`;
  return column === field && type !== 'inet' ? expr : `${expr} AS "${field}"`;
}

/** Every column of a device as a SELECT on `devices d` reads it, named as the record's fields. */
export const DEVICE_COLUMNS = [
  'd.id',
  ...DEVICE_COLUMN_MAP.map(selectExpr),
  'd.created_at AS "createdAt"',
  'd.updated_at AS "updatedAt"',
].join(', ');

export interface DeviceRow extends Omit<Device, 'createdAt' | 'updatedAt'> {
  createdAt: Date | string;
  updatedAt: Date | string;
}

/** A device as the API returns it, from a row of DEVICE_COLUMNS or a model instance. */
export function toDevice(row: DeviceRow): Device {
  const device: Record<string, unknown> = { id: row.id };
  for (const { field } of DEVICE_COLUMN_MAP) device[field] = row[field];
  device.createdAt = iso(row.createdAt);
  device.updatedAt = iso(row.updatedAt);
  return device as Device;
}

/**
 * Sort fields: the SQL expression, the type to cast a cursor value back to, and whether
 * the column may be NULL. Each has a btree index on (column, id).
 */
const SORTS = Object.fromEntries([
  ...DEVICE_COLUMN_MAP.filter((c) =>
    (DEVICE_SORT_FIELDS as readonly string[]).includes(c.field),
  ).map((c) => [c.field, { expr: `d.${c.column}`, cast: c.sqlType, nullable: c.nullable }]),
  ['createdAt', { expr: 'd.created_at', cast: 'timestamptz', nullable: false }],
  ['updatedAt', { expr: 'd.updated_at', cast: 'timestamptz', nullable: false }],
]) as Record<DeviceSortField, { expr: string; cast: string; nullable: boolean }>;

/** The last row's sort value and id, and the order they belong to. */
type CursorValue = [string | null, number, string, string];
const isCursor = (v: unknown): v is CursorValue =>
  Array.isArray(v) &&
  v.length === 4 &&
  (typeof v[0] === 'string' || v[0] === null) &&
  Number.isInteger(v[1]) &&
  typeof v[2] === 'string' &&
  typeof v[3] === 'string';

export interface DevicesRepoOptions {
  /**
   * Rows a text search walks in page order before it fetches every match through the
   * trigram index, instead of the budget the planner's estimates give (tests set it).
   */
  searchScanRows?: number;
}

const ExplainJson = z.array(
  z.object({
    Plan: z.object({ Plans: z.array(z.object({ 'Plan Rows': z.number() })).optional() }),
  }),
);

/**
 * The planner's estimate of the rows each of these SELECTs returns, from one EXPLAIN of
 * their UNION ALL (nothing is read). An estimate it does not give is undefined.
 */
async function estimateRows(
  ex: Executor,
  bind: unknown[],
  selects: string[],
): Promise<(number | undefined)[]> {
  const [row] = await select<{ 'QUERY PLAN': unknown }>(
    ex,
    `EXPLAIN (FORMAT JSON) ${selects.join(' UNION ALL ')}`,
    bind,
  );
  const raw = row?.['QUERY PLAN'];
  const plan = ExplainJson.safeParse(typeof raw === 'string' ? JSON.parse(raw) : raw);
  // An Append with one member per SELECT, in order; one the planner proved empty is gone.
  const members = plan.success ? (plan.data[0]?.Plan.Plans ?? []) : [];
  return selects.map((_, i) =>
    members.length === selects.length ? members[i]?.['Plan Rows'] : undefined,
  );
}

type PageRow = DeviceRow & { sortKey: string | null };

function pageOf(rows: PageRow[], q: DeviceListQuery): DevicePage {
  const more = rows.length > q.limit;
  const pageRows = more ? rows.slice(0, q.limit) : rows;
  const last = pageRows.at(-1);
  return {
    items: pageRows.map(toDevice),
    nextCursor: more && last ? encodeCursor([last.sortKey, last.id, q.sort, q.dir]) : null,
  };
}

/** Rows per INSERT … ON CONFLICT statement in upsertMany. */
const UPSERT_BATCH = 2000;

export class DevicesRepo {
  constructor(
    private readonly ex: Executor,
    private readonly options: DevicesRepoOptions = {},
  ) {}

  private get model() {
    return this.ex.sequelize.getRepository(DeviceModel);
  }

  private get transaction() {
    return this.ex.transaction ?? null;
  }

  private async guard<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      throw translateError(error);
    }
  }

  async get(id: number): Promise<Device> {
    const row = await this.guard(() => this.model.findByPk(id, { transaction: this.transaction }));
    if (!row) throw new NotFoundError('device', id);
    return toDevice(row);
  }

  /** The devices with these ids, in the order given; missing ids are skipped. */
  async getMany(ids: readonly number[]): Promise<Device[]> {
    if (ids.length === 0) return [];
    const rows = await this.guard(() =>
      this.model.findAll({ where: { id: [...ids] }, transaction: this.transaction }),
    );
    const byId = new Map(rows.map((r) => [r.id, toDevice(r)]));
    return ids.flatMap((id) => byId.get(id) ?? []);
  }

  async findByHostname(hostname: string, site: string | null = null): Promise<Device | undefined> {
    const row = await this.guard(() =>
      this.model.findOne({ where: { hostname, site }, transaction: this.transaction }),
    );
    return row ? toDevice(row) : undefined;
  }

  async create(input: DeviceCreate): Promise<Device> {
    const d = parseInput(DeviceCreate, input);
    const row = await this.guard(() =>
      this.model.create(valuesOf(d), { transaction: this.transaction }),
    );
    return toDevice(row);
  }

  /**
   * Changes the given fields. Switching protocol while the port is the old protocol's
   * default moves it to the new one's (22 and 23).
   */
  async update(id: number, patch: DevicePatch): Promise<Device> {
    const p = parseInput(DevicePatch, patch, 'patch');
    const values = valuesOf(p);
    if (p.protocol !== undefined && p.port === undefined) {
      // In one statement, against the port and protocol the row holds (SET reads the old row).
      values.port = literal(
        `CASE WHEN port = (CASE protocol WHEN 'telnet' THEN 23 ELSE 22 END)
          THEN ${String(DEFAULT_PORTS[p.protocol])} ELSE port END`,
      );
    }
    values.updatedAt = fn('now');
    const [, rows] = await this.guard(() =>
      this.model.update(values, {
        where: { id },
        returning: true,
        silent: true,
        transaction: this.transaction,
      }),
    );
    const row = rows[0];
    if (!row) throw new NotFoundError('device', id);
    return toDevice(row);
  }

  /**
   * Deletes a device and its group memberships. A device with runs is kept: its
   * history must not vanish silently.
   */
  async delete(id: number): Promise<Device> {
    const device = await this.get(id);
    const runs = await this.guard(() =>
      this.ex.sequelize
        .getRepository(Run)
        .count({ where: { deviceId: id }, transaction: this.transaction }),
    );
    if (runs > 0) {
      throw new InvalidStateError(
        `device ${device.hostname} has ${runs} run${runs === 1 ? '' : 's'} in its history and cannot be deleted`,
      );
    }
    // The foreign key (ON DELETE RESTRICT) still guards a run created meanwhile.
    await this.guard(() => this.model.destroy({ where: { id }, transaction: this.transaction }));
    return device;
  }

  /** The devices matching the filters, one page at a time in a stable order. */
  async list(input: DeviceListInput = {}): Promise<DevicePage> {
    const q = parseInput(DeviceListInput, input);
    const { where, bind, search } = whereOf(q);
    const sort = SORTS[q.sort];
    const desc = q.dir === 'desc';
    const op = desc ? '<' : '>';

    // The rows after the cursor, as ranges of the (sort, id) index that follow each other
    // in page order. Ascending order puts NULLs last; descending is its exact reverse. A
    // row comparison lets the index scan start at the cursor instead of filtering every
    // row before it; the NULLs, which no comparison matches, are a range of their own.
    let ranges: { sql: string; nulls: boolean }[] = [];
    if (q.cursor) {
      const [value, id, sortedBy, dir] = decodeCursor(q.cursor, isCursor);
      if (sortedBy !== q.sort || dir !== q.dir) {
        throw new ValidationError(
          `cursor belongs to a list sorted by ${sortedBy} ${dir}, not ${q.sort} ${q.dir}`,
          { cursor: ['start again without a cursor after changing the sort'] },
        );
      }
      bind.push(id);
      const idParam = `$${bind.length}`;
      const nullsAfter = { sql: `${sort.expr} IS NULL AND d.id ${op} ${idParam}`, nulls: true };
      if (value === null) {
        ranges = desc
          ? [nullsAfter, { sql: `${sort.expr} IS NOT NULL`, nulls: false }]
          : [nullsAfter];
      } else {
        bind.push(value);
        const after = `(${sort.expr}, d.id) ${op} ($${bind.length}::${sort.cast}, ${idParam})`;
        ranges = [{ sql: after, nulls: false }];
        if (!desc) ranges.push({ sql: `${sort.expr} IS NULL`, nulls: true });
      }
      // A NOT NULL column has no NULL range.
      if (!sort.nullable) ranges = ranges.filter((r) => !r.nulls);
      if (ranges.length === 0) ranges = [{ sql: 'false', nulls: false }];
    }

    const dir = desc ? 'DESC' : 'ASC';
    if (search !== undefined) {
      return this.search(q, { where, bind, search, ranges: ranges.map((r) => r.sql), dir });
    }

    bind.push(q.limit + 1);
    const limit = `LIMIT $${bind.length}`;
    const order = `ORDER BY ${sort.expr} ${dir}, d.id ${dir}`;
    const selectRange = (range: string | undefined, sortValue = false) => {
      const conditions = range === undefined ? where : [...where, `(${range})`];
      return `SELECT ${DEVICE_COLUMNS}, (${sort.expr})::text AS "sortKey"${sortValue ? `, ${sort.expr} AS "sortValue"` : ''}
       FROM devices d
       ${conditions.length ? `WHERE ${conditions.join(' AND ')}` : ''}
       ${order}
       ${limit}`;
    };
    // Two ranges: each is read from its index with the limit, then they are merged in
    // page order (their rows never interleave, so this only puts one after the other).
    const [first, second] = ranges;
    const rows = await select<PageRow>(
      this.ex,
      second
        ? `SELECT * FROM ((${selectRange(first?.sql, true)}) UNION ALL (${selectRange(second.sql, true)})) page
       ORDER BY "sortValue" ${dir}, id ${dir}
       ${limit}`
        : selectRange(first?.sql),
      bind,
    );
    return pageOf(rows, q);
  }

  /**
   * A list page with a text search. Every path gives exactly the page a plain
   * `ORDER BY sort, id` would; they differ in how they find it.
   *
   * A plain query leaves the planner two plans, and each is slow on some terms. Walking the
   * sort index and testing every row is slow when the matches sit far into the sort order:
   * hostnames start with the site code, so "tyo1" matches only the last 4% of them, and the
   * walk reads 96,000 rows for one page. Fetching every match through the trigram index and
   * sorting them is slow for common terms: "prod" sorts 90,000 rows for one page. The
   * planner walks whenever matches, spread evenly, would come early: it cannot know that
   * they cluster.
   *
   * So the walk gets a budget. First the planner's estimates of the rows after the cursor
   * and of the matches among them (one EXPLAIN, no rows read). Phase 1, only if an even
   * spread would fill the page within the budget: walk at most as many rows in page order
   * as there are matches, testing the term on each; limit + 1 matches found are the page.
   * Phase 2, if phase 1 was skipped or fell short: every match trigram-first, then sorted.
   * Reading a row in sort order costs about half of fetching and sorting a match, so a walk
   * that falls short costs at most about half of what phase 2 then adds.
   */
  private async search(
    q: DeviceListQuery,
    {
      where,
      bind,
      search,
      ranges,
      dir,
    }: { where: string[]; bind: unknown[]; search: string; ranges: string[]; dir: string },
  ): Promise<DevicePage> {
    const sort = SORTS[q.sort];
    const whereSql = (conditions: string[]) =>
      conditions.length ? `WHERE ${conditions.join(' AND ')}` : '';
    // The rows after the cursor: any of the ranges.
    const after = ranges.length ? [`(${ranges.map((r) => `(${r})`).join(' OR ')})`] : [];
    // Page order of a subquery's ("sortValue", id). NULLs go where the index puts them (last
    // ascending, first descending), which is also the order the ranges follow each other in.
    const orderOf = (alias: string) => `ORDER BY ${alias}."sortValue" ${dir}, ${alias}.id ${dir}`;
    // The phases handle (id, "sortValue") only; the page's rows are read in full at the end.
    const pageSql = (pageIds: string) =>
      `SELECT ${DEVICE_COLUMNS}, (${sort.expr})::text AS "sortKey"
       FROM (${pageIds}) p JOIN devices d ON d.id = p.id
       ${orderOf('p')}`;

    let budget = this.options.searchScanRows;
    if (budget === undefined) {
      const [matches, rows] = await estimateRows(this.ex, bind, [
        `SELECT 1 FROM devices d ${whereSql([...where, search, ...after])}`,
        `SELECT 1 FROM devices d ${whereSql([...where, ...after])}`,
      ]);
      // An even spread puts limit + 1 matches within (limit + 1) * rows / matches rows.
      if (matches !== undefined && rows !== undefined && (q.limit + 1) * rows <= matches ** 2) {
        budget = Math.ceil(matches);
      }
    }

    if (budget !== undefined && budget > q.limit) {
      // Phase 1. Each range is read in page order from its index and cut at the budget; the
      // ranges follow each other, so the first rows of their merge are the set's.
      const p1 = [...bind, q.limit + 1, budget];
      const scan = `$${p1.length}`;
      const scanRange = (range: string | undefined) =>
        `SELECT d.id, ${sort.expr} AS "sortValue", (${search}) AS matched
         FROM devices d
         ${whereSql(range === undefined ? where : [...where, `(${range})`])}
         ORDER BY ${sort.expr} ${dir}, d.id ${dir}
         LIMIT ${scan}`;
      const [first, second] = ranges;
      const scanned = second
        ? `SELECT * FROM ((${scanRange(first)}) UNION ALL (${scanRange(second)})) u
           ${orderOf('u')} LIMIT ${scan}`
        : scanRange(first);
      const rows = await select<PageRow>(
        this.ex,
        pageSql(
          `SELECT s.id, s."sortValue" FROM (${scanned}) s WHERE s.matched
           ${orderOf('s')} LIMIT $${p1.length - 1}`,
        ),
        p1,
      );
      // Fewer rows may mean the walk saw every row, or only that it ran out of budget:
      // phase 2 settles it.
      if (rows.length > q.limit) return pageOf(rows, q);
    }

    // Phase 2: every match after the cursor (a MATERIALIZED CTE, so that the planner cannot
    // make it a walk again), then the first limit + 1 in page order.
    const p2 = [...bind, q.limit + 1];
    const rows = await select<PageRow>(
      this.ex,
      `WITH m AS MATERIALIZED (
         SELECT d.id, ${sort.expr} AS "sortValue"
         FROM devices d
         ${whereSql([...where, search, ...after])}
       )
       ${pageSql(`SELECT m.id, m."sortValue" FROM m ${orderOf('m')} LIMIT $${p2.length}`)}`,
      p2,
    );
    return pageOf(rows, q);
  }

  /** How many devices match the filters (sort and cursor are ignored). */
  async count(input: DeviceListInput = {}): Promise<number> {
    const q = parseInput(DeviceListInput, input);
    const { where: filters, bind, search } = whereOf(q);
    const where = search === undefined ? filters : [search, ...filters];
    const row = await selectOne<{ n: number }>(
      this.ex,
      `SELECT count(*)::int AS n FROM devices d ${where.length ? `WHERE ${where.join(' AND ')}` : ''}`,
      bind,
    );
    return row?.n ?? 0;
  }

  /**
   * Creates or updates many devices, matched on (hostname, site): one statement per
   * batch, all in one transaction. Any bad row refuses the whole call, naming each row.
   */
  async upsertMany(inputs: readonly DeviceCreate[]): Promise<UpsertResult> {
    const rows = validateRows(inputs);
    return inTransaction(this.ex, async (tx) => {
      const result: UpsertResult = { created: 0, updated: 0, ids: [] };
      for (let i = 0; i < rows.length; i += UPSERT_BATCH) {
        const batch = rows.slice(i, i + UPSERT_BATCH);
        const out = await select<{ id: number; inserted: boolean }>(tx, UPSERT_SQL, [
          JSON.stringify(batch),
        ]);
        for (const r of out) {
          result.ids.push(r.id);
          if (r.inserted) result.created += 1;
          else result.updated += 1;
        }
      }
      return result;
    });
  }
}

/** A device as jsonb_to_recordset reads it: each field under its column's name. */
type UpsertRow = Record<string, unknown>;

/** The conflict key of upsertMany: a row with the same hostname and site is updated. */
const UPSERT_KEY = new Set(['hostname', 'site']);

/**
 * Inserts the rows of a JSON array (UpsertRow objects), or updates the device with the same
 * hostname and site; each row's id and whether it was inserted.
 */
const UPSERT_SQL = `INSERT INTO devices (${DEVICE_COLUMN_MAP.map((c) => c.column).join(', ')})
  SELECT ${DEVICE_COLUMN_MAP.map(({ column, type, sqlType }) =>
    type === 'inet'
      ? `x.${column}::${sqlType}`
      : type === 'jsonb'
        ? `coalesce(x.${column}, '{}')`
        : `x.${column}`,
  ).join(', ')}
  FROM jsonb_to_recordset($1::jsonb) AS x(${DEVICE_COLUMN_MAP.map(
    ({ column, type, sqlType }) =>
      `${column} ${type === 'inet' || type === 'varchar' ? 'text' : sqlType}`,
  ).join(', ')})
  ON CONFLICT ON CONSTRAINT devices_hostname_site_key DO UPDATE SET
    ${[
      ...DEVICE_COLUMN_MAP.filter((c) => !UPSERT_KEY.has(c.field)).map(
        (c) => `${c.column} = EXCLUDED.${c.column}`,
      ),
      'updated_at = now()',
    ].join(', ')}
  RETURNING id, (xmax = 0) AS inserted`;

/** The fields given (create or patch values, checked) as the model's attribute values. */
function valuesOf(d: Partial<Record<DeviceField, unknown>>): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const { field } of DEVICE_COLUMN_MAP) {
    if (d[field] !== undefined) values[field] = d[field];
  }
  return values;
}

const DeviceRows = z.array(DeviceCreate).max(100_000, 'at most 100,000 devices in one call');

function validateRows(inputs: readonly DeviceCreate[]): UpsertRow[] {
  const parsed = DeviceRows.safeParse(inputs);
  if (!parsed.success) {
    const fieldErrors = fieldErrorsOf(parsed.error, 'rows');
    const rows = [...new Set(parsed.error.issues.map((i) => i.path[0]))].filter(
      (r) => typeof r === 'number',
    );
    throw new ValidationError(
      rows.length
        ? `${rows.length} row${rows.length === 1 ? '' : 's'} invalid (first: row ${rows[0]}): ${Object.entries(fieldErrors)[0]?.join(': ') ?? ''}`
        : (parsed.error.issues[0]?.message ?? 'invalid rows'),
      fieldErrors,
    );
  }
  const seen = new Map<string, number>();
  const fieldErrors: Record<string, string[]> = {};
  parsed.data.forEach((d, index) => {
    const key = `${d.hostname}\u0000${d.site ?? ''}\u0000${d.site == null ? 'null' : ''}`;
    const first = seen.get(key);
    if (first !== undefined) {
      fieldErrors[`rows.${index}.hostname`] = [
        `duplicates row ${first}: same hostname${d.site == null ? ' and no site' : ' and site'}`,
      ];
    } else {
      seen.set(key, index);
    }
  });
  if (Object.keys(fieldErrors).length > 0) {
    throw new ValidationError(
      `the same hostname and site appear more than once (${Object.keys(fieldErrors).length} repeated rows)`,
      fieldErrors,
    );
  }
  return parsed.data.map((d) => {
    const row: UpsertRow = {};
    for (const { field, column } of DEVICE_COLUMN_MAP) row[column] = d[field] ?? null;
    return row;
  });
}

/**
 * The filters as SQL conditions on `devices d`, and their parameters. The text search, if
 * any, is not in `where` but apart, as `search`: list runs it in phases.
 */
export function whereOf(q: DeviceListQuery): { where: string[]; bind: unknown[]; search?: string } {
  const where: string[] = [];
  const bind: unknown[] = [];
  const add = (sql: (p: string) => string, value: unknown) => {
    bind.push(value);
    where.push(sql(`$${bind.length}`));
  };
  let search: string | undefined;
  if (q.q) {
    bind.push(containsPattern(q.q.toLowerCase()));
    search = `d.search LIKE $${bind.length}`;
  }
  if (q.site !== undefined) add((p) => `d.site = ${p}`, q.site);
  if (q.platform !== undefined) add((p) => `d.platform = ${p}`, q.platform);
  if (q.vendor !== undefined) add((p) => `lower(d.vendor) = lower(${p})`, q.vendor);
  if (q.protocol !== undefined) add((p) => `d.protocol = ${p}`, q.protocol);
  for (const tag of q.tags ?? []) {
    if (tag.value === undefined) add((p) => `d.tags ? ${p}`, tag.key);
    else add((p) => `d.tags @> ${p}::jsonb`, JSON.stringify({ [tag.key]: tag.value }));
  }
  if (q.groupId !== undefined) {
    add(
      (p) =>
        `EXISTS (SELECT 1 FROM device_group_memberships m WHERE m.device_id = d.id AND m.group_id = ${p})`,
      q.groupId,
    );
  }
  if (q.cidr !== undefined) add((p) => `d.ip <<= ${p}::inet`, q.cidr);
  return { where, bind, ...(search !== undefined && { search }) };
}
