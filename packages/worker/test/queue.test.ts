import { repositories } from '@netauto/db';
import { factories } from '@netauto/db/testing';
import { startLab, type SimDeviceSpec } from '@netauto/devsim';
import type { Run } from '@netauto/schema';
import { afterAll, describe, expect, it } from 'vitest';
import { enqueueRun, requestCancel, startWorkers } from '../src/queue.js';
import { useTestDatabase } from './db.js';
import { inventoryOf, labAccess, until } from './lab.js';

const specs: SimDeviceSpec[] = [
  ...Array.from({ length: 6 }, (_, i): SimDeviceSpec => ({ hostname: `q${i}`, platform: 'linux' })),
  { hostname: 'qdrip', platform: 'linux', faults: { dripBytesPerSecond: 3000 } },
];

describe('the run queue', async () => {
  const { db, url } = await useTestDatabase();
  const lab = await startLab({ devices: specs });
  const repos = repositories(db);
  const make = factories(db);
  const access = labAccess(db, { maxBytes: 1024 * 1024 });
  // Two worker pools, as two processes would have: they share one queue.
  const pools = [
    await startWorkers({ db, access, url, concurrency: 4, pollIntervalMs: 200 }),
    await startWorkers({ db, access, url, concurrency: 4, pollIntervalMs: 200 }),
  ];
  afterAll(async () => {
    for (const pool of pools) await pool.stop();
    await lab.stop();
  });

  const devices = await inventoryOf(lab, make);

  async function queued(hostname: string, command: string): Promise<Run> {
    const run = await make.run({ deviceId: devices.get(hostname)?.id ?? 0, command });
    await enqueueRun(db, run);
    return run;
  }

  it('runs every queued run exactly once across two worker pools', async () => {
    const runs: Run[] = [];
    for (let i = 0; i < 18; i++) runs.push(await queued(`q${i % 6}`, `echo run ${i}`));
    await until(
      async () =>
        (await repos.runs.list({ status: ['ok', 'error'], limit: 100 })).items.length >= 18,
    );
    for (const [i, run] of runs.entries()) {
      const done = await repos.runs.get(run.id);
      expect(done.status).toBe('ok');
      // Executed once: the output appears once.
      expect(await repos.chunks.text(run.id)).toBe(`run ${i}\n`);
    }
  });

  it("runs one device's runs one at a time", async () => {
    const runs: Run[] = [];
    for (let i = 0; i < 4; i++) runs.push(await queued('q0', 'sleep 0.2'));
    await until(async () =>
      (await Promise.all(runs.map((r) => repos.runs.get(r.id)))).every((r) => r.status === 'ok'),
    );
    const spans = (await Promise.all(runs.map((r) => repos.runs.get(r.id))))
      .map((r) => [Date.parse(r.startedAt ?? ''), Date.parse(r.finishedAt ?? '')] as const)
      .sort((a, b) => a[0] - b[0]);
    for (let i = 1; i < spans.length; i++) {
      expect(spans[i]?.[0]).toBeGreaterThanOrEqual(spans[i - 1]?.[1] ?? Infinity);
    }
  });

  it('cancels a running run on request, keeping its output', async () => {
    const run = await queued('qdrip', 'yes | head -c 100000');
    await until(async () => (await repos.runs.get(run.id)).status === 'running');
    await until(async () => (await repos.chunks.list(run.id)).length > 0);
    await requestCancel(db, run.id);
    await until(async () => (await repos.runs.get(run.id)).status === 'error');
    expect((await repos.runs.get(run.id)).errorReason).toBe('canceled');
    expect((await repos.chunks.text(run.id)).length).toBeGreaterThan(0);
  });
});
