import { spawn, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import path from 'node:path';
import { freePort, repositories } from '@netauto/db';
import { factories } from '@netauto/db/testing';
import { startLab, type SimDeviceSpec } from '@netauto/devsim';
import type { Run } from '@netauto/schema';
import { afterAll, describe, expect, it } from 'vitest';
import { OutputHub } from '../src/follow.js';
import { enqueueRun } from '../src/queue.js';
import { useTestDatabase } from './db.js';
import { inventoryOf, until } from './lab.js';

const WORKER = path.resolve(import.meta.dirname, '../dist/bin/worker.js');

const specs: SimDeviceSpec[] = [
  ...Array.from({ length: 4 }, (_, i): SimDeviceSpec => ({
    hostname: `wp${i}`,
    platform: 'linux',
  })),
  { hostname: 'wpdrip', platform: 'linux', faults: { dripBytesPerSecond: 4000 } },
  { hostname: 'wpslow', platform: 'linux', faults: { bannerDelayMs: 4000 } },
];

function startWorker(
  url: string,
  extra: Record<string, string> = {},
): { child: ChildProcess; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [WORKER], {
    env: {
      ...process.env,
      ...extra,
      DATABASE_URL: url,
      NETAUTO_LAB_PASSWORD: 'netops-pass',
      NETAUTO_LAB_ALLOW: '127.0.0.0/8,::1',
      NETAUTO_WORKER_CONCURRENCY: '4',
      NETAUTO_HEARTBEAT_MS: '200',
      NETAUTO_WORKER_LOST_MS: '1500',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { child, exited };
}

describe('netauto-worker processes', async () => {
  const { db, url } = await useTestDatabase();
  const lab = await startLab({ devices: specs });
  const repos = repositories(db);
  const make = factories(db);
  const metricsPort = await freePort();
  const workers = [
    startWorker(url, { NETAUTO_METRICS_PORT: String(metricsPort) }),
    startWorker(url),
    startWorker(url),
  ];
  const hub = new OutputHub(url);
  afterAll(async () => {
    for (const w of workers) w.child.kill('SIGKILL');
    await hub.stop();
    await lab.stop();
  });

  const devices = await inventoryOf(lab, make);
  const idOf = (hostname: string) => devices.get(hostname)?.id ?? 0;

  /** Kills the worker process that runs this run, and waits until it is gone. */
  async function killOwner(runId: number) {
    const owner = (
      await db.rows<{ worker_id: string }>('SELECT worker_id FROM runs WHERE id = $1', [runId])
    )[0];
    const victim = workers.find((w) => owner?.worker_id.includes(`:${w.child.pid}:`));
    expect(victim).toBeDefined();
    victim?.child.kill('SIGKILL');
    await victim?.exited;
    workers.splice(workers.indexOf(victim as (typeof workers)[number]), 1);
  }

  it('worker processes share one queue and run each run once', async () => {
    const runs: Run[] = [];
    for (let i = 0; i < 12; i++) {
      const run = await make.run({
        deviceId: idOf(`wp${i % 4}`),
        command: `echo job ${i}`,
      });
      await enqueueRun(db, run);
      runs.push(run);
    }
    await until(async () =>
      (await Promise.all(runs.map((r) => repos.runs.get(r.id)))).every((r) => r.status === 'ok'),
    );
    for (const [i, run] of runs.entries())
      expect(await repos.chunks.text(run.id)).toBe(`job ${i}\n`);
  });

  it("serves a worker process's own metrics and health on NETAUTO_METRICS_PORT", async () => {
    const base = `http://127.0.0.1:${metricsPort}`;
    await until(async () => (await fetch(`${base}/healthz`).catch(() => undefined))?.ok === true);
    expect(await (await fetch(`${base}/readyz`)).json()).toEqual({ ok: true });
    const text = await (await fetch(`${base}/metrics`)).text();
    // The process's own counters, and the database's view of every process's runs.
    expect(text).toMatch(/^# TYPE netauto_runs_started_total counter$/m);
    expect(text).toMatch(/^netauto_runs\{status="pending"\} \d+$/m);
    expect(text).toMatch(/^netauto_queue_jobs\b.* \d+$/m);
    expect((await fetch(`${base}/elsewhere`)).status).toBe(404);
    // A request the URL parser refuses gets 400, and the worker lives on.
    const raw = await new Promise<string>((resolve, reject) => {
      const socket = connect(metricsPort, '127.0.0.1', () => {
        socket.end('GET http://[ HTTP/1.1\r\nHost: x\r\n\r\n');
      });
      let text = '';
      socket.on('data', (d: Buffer) => (text += d.toString()));
      socket.on('end', () => {
        resolve(text);
      });
      socket.on('error', reject);
    });
    expect(raw).toMatch(/^HTTP\/1\.1 400/);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
  });

  it('a follower in this process is woken by output a worker process stores', async () => {
    const run = await make.run({ deviceId: idOf('wpdrip'), command: 'yes | head -c 4000' });
    const woken = hub.next(run.id, undefined, 10_000);
    const started = Date.now();
    await enqueueRun(db, run);
    await woken.promise;
    expect(Date.now() - started).toBeLessThan(5000);
    await until(async () => (await repos.chunks.list(run.id)).length > 0);
    // Woken while the run still streams: live, not at the end.
    expect((await repos.runs.get(run.id)).status).toBe('running');
  });

  it('a worker killed mid-run leaves no run running: it ends as worker_lost, output kept', async () => {
    const run = await make.run({
      deviceId: idOf('wpdrip'),
      command: 'yes | head -c 40000',
    });
    await enqueueRun(db, run);
    await until(async () => (await repos.runs.get(run.id)).status === 'running');
    await until(async () => (await repos.chunks.list(run.id)).length >= 2);
    // Kill the worker that has it; another one notices the silence.
    await killOwner(run.id);
    const before = await repos.chunks.text(run.id);
    await until(async () => (await repos.runs.get(run.id)).status === 'error', 10_000);
    const ended = await repos.runs.get(run.id);
    expect(ended.errorReason).toBe('worker_lost');
    expect((await repos.chunks.text(run.id)).startsWith(before)).toBe(true);
    expect(before.length).toBeGreaterThan(0);
    // The dead worker's hold on the device's queue went with it: the next run goes on.
    const next = await make.run({ deviceId: idOf('wpdrip'), command: 'echo after' });
    await enqueueRun(db, next);
    await until(async () => (await repos.runs.get(next.id)).status === 'ok', 15_000);
    expect(await repos.chunks.text(next.id)).toBe('after\n');
  });

  it('a run whose worker dies before any output is tried once more, and ends ok', async () => {
    const run = await make.run({ deviceId: idOf('wpslow'), command: 'echo second try' });
    await enqueueRun(db, run);
    await until(async () => (await repos.runs.get(run.id)).status === 'running');
    await killOwner(run.id);
    await until(async () => (await repos.runs.get(run.id)).status === 'ok', 20_000);
    expect(await repos.runs.get(run.id)).toMatchObject({ status: 'ok', attempt: 2 });
    expect(await repos.chunks.text(run.id)).toBe('second try\n');
  });

  it('stops cleanly on SIGTERM', async () => {
    for (const w of workers) w.child.kill('SIGTERM');
    const codes = await Promise.all(workers.map((w) => w.exited));
    expect(codes).toEqual(workers.map(() => 0));
  });
});
