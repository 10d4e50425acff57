import { repositories } from '@netauto/db';
import { factories } from '@netauto/db/testing';
import { startLab, type SimDeviceSpec } from '@netauto/devsim';
import type { Run } from '@netauto/schema';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { enqueueRun, startWorkers } from '../src/queue.js';
import { useTestDatabase } from './db.js';
import { inventoryOf, labAccess } from './lab.js';

const specs: SimDeviceSpec[] = Array.from({ length: 25 }, (_, i): SimDeviceSpec => ({
  hostname: `quota${i}`,
  platform: 'linux',
}));

/** The most runs that were running at the same moment, from their recorded times. */
function mostAtOnce(runs: Run[]): number {
  const events = runs.flatMap((r) => [
    [Date.parse(r.startedAt ?? ''), 1] as const,
    [Date.parse(r.finishedAt ?? ''), -1] as const,
  ]);
  events.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let now = 0;
  let most = 0;
  for (const [, step] of events) {
    now += step;
    most = Math.max(most, now);
  }
  return most;
}

describe('run quotas', async () => {
  const { db, url } = await useTestDatabase();
  const lab = await startLab({ devices: specs });
  const repos = repositories(db);
  const make = factories(db);
  const access = labAccess(db, { connectMs: 5000, commandMs: 20_000, maxBytes: 1024 * 1024 });
  // Two pools, as two processes: the quota holds across them.
  const quota = { global: 9, perSite: 5 };
  const pools = [
    await startWorkers({ db, access, url, concurrency: 10, pollIntervalMs: 100, quota }),
    await startWorkers({ db, access, url, concurrency: 10, pollIntervalMs: 100, quota }),
  ];
  afterAll(async () => {
    for (const pool of pools) await pool.stop();
    await lab.stop();
  });

  // Twenty devices at one site, five with no site (they share "default").
  const devices = [...(await inventoryOf(lab, make, (_, i) => (i < 20 ? 'dc9' : null))).values()];

  it('never runs more than the site quota at once, and waits instead of refusing', async () => {
    const runs: Run[] = [];
    for (const device of devices) {
      const run = await make.run({ deviceId: device.id, command: 'sleep 0.4' });
      await enqueueRun(db, run);
      runs.push(run);
    }
    const end = Date.now() + 30_000;
    let done: Run[] = [];
    while (Date.now() < end) {
      done = await Promise.all(runs.map((r) => repos.runs.get(r.id)));
      if (done.every((r) => r.status === 'ok' || r.status === 'error')) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(done.map((r) => r.status)).toEqual(runs.map(() => 'ok'));
    const site = done.filter((r) => devices.find((d) => d.id === r.deviceId)?.site === 'dc9');
    const noSite = done.filter((r) => devices.find((d) => d.id === r.deviceId)?.site === null);
    expect(mostAtOnce(site)).toBeLessThanOrEqual(5);
    expect(mostAtOnce(noSite)).toBeLessThanOrEqual(5);
    expect(mostAtOnce(done)).toBeLessThanOrEqual(9);
    // The two sites ran side by side: the limit is per site, not one for all.
    expect(mostAtOnce(done)).toBeGreaterThan(5);
  });

  it('a run canceled while a worker looks at it is not queued again', async () => {
    // Starts wait for the start lock, held here: workers take these runs' jobs and wait.
    const holder = new pg.Client({ connectionString: url });
    await holder.connect();
    await holder.query('BEGIN');
    await holder.query('SELECT pg_advisory_xact_lock(727316402)');
    const { bulk } = await repos.bulks.create({
      target: { type: 'devices', deviceIds: devices.slice(0, 3).map((d) => d.id) },
      command: 'echo never',
    });
    const taken = () =>
      db.rows(
        `SELECT j.id FROM graphile_worker.jobs j JOIN runs r ON j.key = 'run:' || r.id
         WHERE r.bulk_id = $1 AND j.locked_at IS NOT NULL`,
        [bulk.id],
      );
    const end = Date.now() + 20_000;
    while ((await taken()).length < 3 && Date.now() < end) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(await taken()).toHaveLength(3);
    // A cancel whose commit takes a while (a busy database): meanwhile the workers go on,
    // find the runs' rows held, and take them for runs that must wait.
    await db.transaction(async (transaction) => {
      const result = await repositories(db, transaction).bulks.cancel(bulk.id, 'canceled');
      expect(result.canceledPending).toBe(3);
      await holder.query('COMMIT');
      await new Promise((resolve) => setTimeout(resolve, 1000));
    });
    await holder.end();
    const left = () =>
      db.rows(
        `SELECT j.id FROM graphile_worker.jobs j JOIN runs r ON j.key = 'run:' || r.id
         WHERE r.bulk_id = $1 AND j.locked_at IS NULL`,
        [bulk.id],
      );
    expect(await left()).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await left()).toEqual([]);
    expect((await repos.bulks.get(bulk.id)).counts).toMatchObject({ pending: 0, error: 3 });
  });
});
