import { repositories } from '@netauto/db';
import { factories } from '@netauto/db/testing';
import { startLab } from '@netauto/devsim';
import { afterAll, describe, expect, it } from 'vitest';
import { enqueueRun, requestCancel, startWorkers } from '../src/queue.js';
import { useTestDatabase } from './db.js';
import { inventoryOf, labAccess, until } from './lab.js';

/** A queue with one pool, one dripping device, and a way to start a long run on it. */
async function setUp(heartbeatMs: number) {
  const { db, url } = await useTestDatabase();
  const lab = await startLab({
    devices: [{ hostname: 'slow', platform: 'linux', faults: { dripBytesPerSecond: 2000 } }],
  });
  const repos = repositories(db);
  const make = factories(db);
  const pool = await startWorkers({
    db,
    access: labAccess(db),
    url,
    heartbeatMs,
    pollIntervalMs: 200,
  });
  afterAll(async () => {
    await pool.stop();
    await lab.stop();
  });
  const devices = await inventoryOf(lab, make);
  const running = async () => {
    const run = await make.run({
      deviceId: devices.get('slow')?.id ?? 0,
      command: 'yes | head -c 200000',
    });
    await enqueueRun(db, run);
    await until(async () => (await repos.chunks.list(run.id)).length > 0);
    return run;
  };
  return { db, repos, running };
}

describe('cancel when the worker lost its listening connection', async () => {
  // A heartbeat too rare to be what stops the run: the listener must have come back.
  const { db, repos, running } = await setUp(60_000);

  it('listens again and stops the run when asked', async () => {
    const listening = () =>
      db.rows<{ pid: number }>(
        `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND query = 'LISTEN netauto_run_cancel'`,
      );
    const [before] = await listening();
    expect(before).toBeDefined();
    await db.rows('SELECT pg_terminate_backend($1)', [before?.pid]);
    await until(async () => (await listening()).some((r) => r.pid !== before?.pid), 10_000);
    const run = await running();
    await requestCancel(db, run.id);
    await until(async () => (await repos.runs.get(run.id)).status === 'error', 10_000);
    expect((await repos.runs.get(run.id)).errorReason).toBe('canceled');
  });
});

describe('cancel whose notification was missed', async () => {
  const { db, repos, running } = await setUp(300);

  it('is seen at the next heartbeat from what the run records', async () => {
    const run = await running();
    // Recorded, never announced: as if the notification had been lost.
    await db.rows(`UPDATE runs SET cancel_requested_at = now() WHERE id = $1 RETURNING id`, [
      run.id,
    ]);
    await until(async () => (await repos.runs.get(run.id)).status === 'error', 10_000);
    expect((await repos.runs.get(run.id)).errorReason).toBe('canceled');
    expect((await repos.chunks.text(run.id)).length).toBeGreaterThan(0);
  });
});
