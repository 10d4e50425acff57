import { spawn } from 'node:child_process';
import path from 'node:path';
import { CANCEL_CHANNEL, connectDatabase, repositories } from '@netauto/db';
import { factories, startRestartablePostgres } from '@netauto/db/testing';
import { commandOutput, startLab, type SimDeviceSpec } from '@netauto/devsim';
import type { Run } from '@netauto/schema';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { enqueueRun, requestCancel } from '../src/queue.js';
import { inventoryOf } from './lab.js';

// What a database outage does to worker processes running runs: a real PostgreSQL of
// this file's own, stopped (every connection cut) and started again while devices print.

const WORKER = path.resolve(import.meta.dirname, '../dist/bin/worker.js');

const specs: SimDeviceSpec[] = [
  ...Array.from({ length: 6 }, (_, i): SimDeviceSpec => ({ hostname: `o${i}`, platform: 'linux' })),
  { hostname: 'odrip', platform: 'linux', faults: { dripBytesPerSecond: 8000 } },
];

interface WorkerProcess {
  pid: number;
  /** What it printed, for a failing test's message. */
  output(): string;
  alive(): boolean;
  exited: Promise<number | null>;
  kill(): void;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until `check` holds (an error counts as not yet: the database may be coming back). */
async function until(check: () => Promise<boolean>, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check().catch(() => false))) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await sleep(100);
  }
}

describe('a database outage while runs are in flight', async () => {
  const server = await startRestartablePostgres();
  const db = connectDatabase(server.url, { poolMax: 5 });
  const lab = await startLab({ devices: specs });
  const repos = repositories(db);
  const make = factories(db);
  const devices = await inventoryOf(lab, make);
  const workers: WorkerProcess[] = [];

  function startWorker(extra: Record<string, string> = {}): WorkerProcess {
    const child = spawn(process.execPath, [WORKER], {
      env: {
        ...process.env,
        DATABASE_URL: server.url,
        NETAUTO_LAB_PASSWORD: 'netops-pass',
        NETAUTO_WORKER_CONCURRENCY: '8',
        NETAUTO_HEARTBEAT_MS: '500',
        ...extra,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let text = '';
    child.stdout.on('data', (d: Buffer) => (text += d.toString()));
    child.stderr.on('data', (d: Buffer) => (text += d.toString()));
    let code: number | null | undefined;
    const exited = new Promise<number | null>((resolve) =>
      child.once('exit', (c) => {
        code = c;
        resolve(c);
      }),
    );
    const worker: WorkerProcess = {
      pid: child.pid ?? 0,
      output: () => text,
      alive: () => code === undefined,
      exited,
      kill: () => child.kill('SIGKILL'),
    };
    workers.push(worker);
    return worker;
  }

  async function ready(worker: WorkerProcess) {
    await until(() => Promise.resolve(worker.output().includes('taking runs') || !worker.alive()));
    expect(worker.alive(), worker.output()).toBe(true);
  }

  afterEach(async (ctx) => {
    if (ctx.task.result?.state === 'fail') {
      for (const w of workers)
        console.error(`worker ${w.pid} (alive: ${w.alive()}):\n${w.output()}`);
      const rows = await db.rows(
        'SELECT id, status, error_reason, chunks, bytes FROM runs ORDER BY id',
      );
      console.error(rows);
    }
    for (const w of workers.splice(0)) {
      w.kill();
      await w.exited;
    }
  });
  afterAll(async () => {
    await db.close();
    await lab.stop();
    await server.stop();
  });

  async function startRuns(items: { hostname: string; command: string }[]): Promise<Run[]> {
    const runs: Run[] = [];
    for (const item of items) {
      const run = await make.run({
        deviceId: devices.get(item.hostname)?.id ?? 0,
        command: item.command,
      });
      await enqueueRun(db, run);
      runs.push(run);
    }
    return runs;
  }

  /** Every chunk once, in order, and the run's counters agree with them. */
  async function storedOutput(runId: number): Promise<string> {
    const run = await repos.runs.get(runId);
    const chunks = await repos.chunks.list(runId, -1, 10_000);
    expect(chunks.map((c) => c.seq)).toEqual(chunks.map((_, i) => i));
    expect(run.chunkCount).toBe(chunks.length);
    expect(run.bytes).toBe(chunks.reduce((n, c) => n + Buffer.byteLength(c.data, 'utf8'), 0));
    return chunks.map((c) => c.data).join('');
  }

  const expected = (hostname: string, command: string) =>
    commandOutput(lab.device(hostname).spec, command);

  const everyRun = async (runs: Run[], check: (run: Run) => boolean) =>
    (await Promise.all(runs.map((r) => repos.runs.get(r.id)))).every(check);

  it('a 10 s outage: the worker lives, its runs finish ok with all their output, the queue goes on', async () => {
    const worker = startWorker();
    await ready(worker);
    const command = 'ping -c 100 -i 0.2 127.0.1.1';
    const runs = await startRuns(
      ['o0', 'o1', 'o2', 'o3'].map((hostname) => ({ hostname, command })),
    );
    // Queued behind the first one of its device: taken after the outage.
    const [behind] = await startRuns([{ hostname: 'o0', command: 'echo behind' }]);
    const texts = Promise.all(['o0', 'o1', 'o2', 'o3'].map((h) => expected(h, command)));
    await until(async () => {
      const chunks = await Promise.all(runs.map((r) => repos.chunks.list(r.id)));
      return chunks.every((c) => c.length > 0);
    });

    await server.outage(10_000);
    expect(worker.alive(), worker.output()).toBe(true);
    // Queued after: the worker's queue picks it up.
    const [after] = await startRuns([{ hostname: 'o4', command: 'echo after' }]);

    await until(() => everyRun([...runs, behind as Run, after as Run], (r) => r.status === 'ok'));
    expect(worker.alive(), worker.output()).toBe(true);
    const want = await texts;
    for (const [i, run] of runs.entries()) {
      expect(await storedOutput(run.id)).toBe(want[i]);
    }
    expect(await storedOutput(behind?.id ?? 0)).toBe('behind\n');
    expect(await storedOutput(after?.id ?? 0)).toBe('after\n');
  }, 180_000);

  it('a 3 s restart mid-run ends no run as worker_lost, and loses or repeats no output', async () => {
    const worker = startWorker();
    await ready(worker);
    const command = 'ping -c 40 -i 0.2 127.0.1.1';
    const hosts = ['o0', 'o1', 'o2', 'o3', 'o4', 'o5'];
    const runs = await startRuns(hosts.map((hostname) => ({ hostname, command })));
    const texts = Promise.all(hosts.map((h) => expected(h, command)));
    await until(async () => {
      const chunks = await Promise.all(runs.map((r) => repos.chunks.list(r.id)));
      return chunks.every((c) => c.length > 1);
    });
    await server.outage(3000);
    await until(() => everyRun(runs, (r) => r.status === 'ok' || r.status === 'error'));
    const ended = await Promise.all(runs.map((r) => repos.runs.get(r.id)));
    expect(ended.map((r) => [r.status, r.errorReason])).toEqual(runs.map(() => ['ok', null]));
    const want = await texts;
    for (const [i, run] of runs.entries()) expect(await storedOutput(run.id)).toBe(want[i]);
    expect(worker.alive(), worker.output()).toBe(true);
  }, 180_000);

  it("an outage longer than the lost-worker delay does not make live workers' runs lost", async () => {
    // Two workers, each of which would end the other's silent runs after 2 s.
    const settings = { NETAUTO_HEARTBEAT_MS: '200', NETAUTO_WORKER_LOST_MS: '2000' };
    const a = startWorker({ ...settings, NETAUTO_WORKER_CONCURRENCY: '3' });
    const b = startWorker({ ...settings, NETAUTO_WORKER_CONCURRENCY: '3' });
    await Promise.all([ready(a), ready(b)]);
    const command = 'ping -c 60 -i 0.2 127.0.1.1';
    const hosts = ['o0', 'o1', 'o2', 'o3', 'o4', 'o5'];
    const runs = await startRuns(hosts.map((hostname) => ({ hostname, command })));
    const texts = Promise.all(hosts.map((h) => expected(h, command)));
    await until(async () => {
      const chunks = await Promise.all(runs.map((r) => repos.chunks.list(r.id)));
      return chunks.every((c) => c.length > 0);
    });
    // Both workers have runs.
    const owners = await db.rows<{ worker_id: string }>(
      'SELECT DISTINCT worker_id FROM runs WHERE id = ANY($1::int[])',
      [runs.map((r) => r.id)],
    );
    expect(owners).toHaveLength(2);

    await server.outage(8000);
    await until(() => everyRun(runs, (r) => r.status === 'ok' || r.status === 'error'));
    const ended = await Promise.all(runs.map((r) => repos.runs.get(r.id)));
    expect(ended.map((r) => [r.status, r.errorReason, r.attempt])).toEqual(
      runs.map(() => ['ok', null, 1]),
    );
    const want = await texts;
    for (const [i, run] of runs.entries()) expect(await storedOutput(run.id)).toBe(want[i]);
    expect(a.alive() && b.alive(), a.output() + b.output()).toBe(true);
  }, 180_000);

  it('after a restart, a cancel reaches the worker through its LISTEN connection again', async () => {
    // Heartbeats too rare to see the cancel: only the notification can.
    const worker = startWorker({
      NETAUTO_HEARTBEAT_MS: '120000',
      NETAUTO_WORKER_LOST_MS: '600000',
    });
    await ready(worker);
    const [run] = await startRuns([{ hostname: 'o3', command: 'ping -c 300 -i 0.2 127.0.1.1' }]);
    const id = run?.id ?? 0;
    await until(async () => (await repos.chunks.list(id)).length > 0);
    await server.outage(2000);
    // The worker's cancel listener is back (no one else listens on this database).
    await until(async () => {
      const rows = await db.rows<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_stat_activity
         WHERE datname = current_database() AND query LIKE 'LISTEN ${CANCEL_CHANNEL}%'`,
      );
      return rows[0]?.n === 1;
    });
    const chunksBefore = (await repos.runs.get(id)).chunkCount;
    await requestCancel(db, id);
    await until(async () => (await repos.runs.get(id)).status === 'error', 30_000);
    const ended = await repos.runs.get(id);
    expect(ended).toMatchObject({ status: 'error', errorReason: 'canceled' });
    // Its output is kept, whole.
    expect(ended.chunkCount).toBeGreaterThanOrEqual(chunksBefore);
    expect(await storedOutput(id)).toMatch(/^PING 127\.0\.1\.1/);
  }, 180_000);

  it('a worker started while the database is down waits for it, then takes runs', async () => {
    await server.halt();
    let worker: WorkerProcess;
    try {
      worker = startWorker();
      await until(() =>
        Promise.resolve(worker.output().includes('waiting for it') || !worker.alive()),
      );
      await sleep(3000);
      expect(worker.alive(), worker.output()).toBe(true);
    } finally {
      await server.resume();
    }
    await ready(worker);
    const [run] = await startRuns([{ hostname: 'o2', command: 'echo up' }]);
    await until(() => everyRun([run as Run], (r) => r.status === 'ok'));
    expect(await storedOutput(run?.id ?? 0)).toBe('up\n');
  }, 180_000);

  it('output held while the database is away is bounded: past the bound the run ends output_limit', async () => {
    const worker = startWorker({ NETAUTO_OUTAGE_OUTPUT_MAX_BYTES: '16384' });
    await ready(worker);
    // 8 kB a second: the bound is passed two seconds into the outage.
    const [run] = await startRuns([{ hostname: 'odrip', command: 'yes | head -c 200000' }]);
    const [other] = await startRuns([{ hostname: 'o5', command: 'ping -c 20 -i 0.2 127.0.1.1' }]);
    const otherText = expected('o5', 'ping -c 20 -i 0.2 127.0.1.1');
    await until(async () => (await repos.chunks.list(run?.id ?? 0)).length > 0);
    await server.outage(6000);
    await until(() => everyRun([run as Run, other as Run], (r) => r.status !== 'running'));
    const ended = await repos.runs.get(run?.id ?? 0);
    expect(ended).toMatchObject({ status: 'error', errorReason: 'output_limit' });
    expect(ended.errorMessage).toMatch(/could not be stored while the database was unreachable/);
    // What it printed before the bound is kept, whole.
    const text = await storedOutput(ended.id);
    expect(text.length).toBeGreaterThan(0);
    expect(text.length).toBeLessThan(200_000);
    expect(/^(y\n)*y?$/.test(text)).toBe(true);
    // A run that printed less than the bound was not touched.
    expect(await repos.runs.get(other?.id ?? 0)).toMatchObject({ status: 'ok' });
    expect(await storedOutput(other?.id ?? 0)).toBe(await otherText);
    expect(worker.alive(), worker.output()).toBe(true);
  }, 180_000);
});
