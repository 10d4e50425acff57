import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { repositories } from '@netauto/db';
import { factories } from '@netauto/db/testing';
import { startLab, type SimDeviceSpec } from '@netauto/devsim';
import { afterAll, describe, expect, it } from 'vitest';
import { useTestDatabase } from './db.js';
import { inventoryOf, until } from './lab.js';

const WORKER = path.resolve(import.meta.dirname, '../dist/bin/worker.js');

const specs: SimDeviceSpec[] = Array.from({ length: 10 }, (_, i): SimDeviceSpec => ({
  hostname: `wk${i}`,
  platform: 'linux',
  // Output comes slowly: a run lasts about three seconds and prints all along.
  faults: { dripBytesPerSecond: 3000 },
}));

const COMMAND = 'yes | head -c 9000';

/** A netauto-worker process taking two runs at a time. */
function startWorker(url: string): { child: ChildProcess; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [WORKER], {
    env: {
      ...process.env,
      DATABASE_URL: url,
      NETAUTO_LAB_PASSWORD: 'netops-pass',
      NETAUTO_WORKER_CONCURRENCY: '2',
      NETAUTO_HEARTBEAT_MS: '200',
      // Long enough for the runs it fetched but has not started to wait in its hands.
      NETAUTO_WORKER_LOST_MS: '8000',
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { child, exited };
}

describe('a worker killed with runs in hand that it had not started', async () => {
  const { db, url } = await useTestDatabase();
  const lab = await startLab({ devices: specs });
  const repos = repositories(db);
  const make = factories(db);
  const children: ChildProcess[] = [];
  afterAll(async () => {
    for (const child of children) child.kill('SIGKILL');
    await lab.stop();
  });
  const devices = await inventoryOf(lab, make);

  it('leaves no run pending: each one is queued again or ends, and the bulk ends', async () => {
    const { bulk } = await repos.bulks.create({
      target: { type: 'devices', deviceIds: [...devices.values()].map((d) => d.id) },
      command: COMMAND,
      mode: 'read',
    });
    const first = startWorker(url);
    children.push(first.child);
    // Two runs running and printing, and more runs fetched by the same worker, waiting
    // in its hands for a free slot.
    const held = () =>
      db.rows<{ id: number }>(
        `SELECT r.id FROM runs r JOIN graphile_worker.jobs j ON j.key = 'run:' || r.id
         WHERE r.bulk_id = $1 AND r.status = 'pending' AND j.locked_at IS NOT NULL`,
        [bulk.id],
      );
    const printing = () =>
      db.rows<{ id: number }>(
        `SELECT id FROM runs WHERE bulk_id = $1 AND status = 'running' AND chunks > 0`,
        [bulk.id],
      );
    await until(async () => (await printing()).length === 2 && (await held()).length > 0, 30_000);
    const inHand = (await held()).map((r) => r.id);
    const wasRunning = (await printing()).map((r) => r.id);
    first.child.kill('SIGKILL');
    await first.exited;

    const second = startWorker(url);
    children.push(second.child);
    await until(async () => (await repos.bulks.get(bulk.id)).done, 90_000);

    const runs = (await repos.runs.list({ bulkId: bulk.id, limit: 100 })).items;
    expect(runs).toHaveLength(10);
    for (const run of runs) {
      if (wasRunning.includes(run.id)) {
        // It had printed when its worker died: it ends as lost, its output kept.
        expect(run).toMatchObject({ status: 'error', errorReason: 'worker_lost' });
        expect(run.bytes).toBeGreaterThan(0);
        expect(run.bytes).toBeLessThan(9000);
      } else {
        expect(run, `run ${run.id}`).toMatchObject({ status: 'ok' });
        expect(run.bytes).toBe(9000);
      }
    }
    // The runs the dead worker held were queued again, as their second attempt.
    for (const id of inHand) expect((await repos.runs.get(id)).attempt).toBe(2);
    // Nothing of the bulk is left on the queue, held or not.
    const left = await db.rows(
      `SELECT j.id FROM graphile_worker.jobs j JOIN runs r ON j.key = 'run:' || r.id
       WHERE r.bulk_id = $1`,
      [bulk.id],
    );
    expect(left).toEqual([]);

    second.child.kill('SIGINT');
    expect(await second.exited).toBe(0);
  }, 150_000);
});
