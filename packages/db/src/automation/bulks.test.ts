import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { useTestDatabase } from '../../test/db.js';
import { NotFoundError, ValidationError } from '../errors.js';
import { PROGRESS_START, type ProgressCursor } from './bulks.repo.js';

/** The item at `i`, which the test knows is there. */
function nth<T>(items: readonly T[], i: number): T {
  const item = items[i];
  if (item === undefined) throw new Error(`no item ${i}`);
  return item;
}

describe('bulks repository', async () => {
  const { repos, make, db } = await useTestDatabase();
  const bulks = repos.bulks;

  const site = `bulk-${Date.now()}`;
  const devices = await Promise.all(
    Array.from({ length: 12 }, (_, i) =>
      make.device({
        hostname: `b${i}`,
        site,
        platform: i % 2 ? 'linux' : 'cisco_ios',
        tags: { role: i < 4 ? 'core' : 'edge' },
      }),
    ),
  );
  const group = await make.group();
  for (const d of devices.slice(0, 5))
    await repos.groups.addMember({ groupId: group.id, deviceId: d.id });

  async function jobsOf(bulkId: number) {
    return db.rows<{ queue: string; runId: number }>(
      `SELECT j.queue_name AS queue, (p.payload->>'runId')::int AS "runId"
       FROM graphile_worker.jobs j JOIN graphile_worker._private_jobs p ON p.id = j.id
       JOIN runs r ON r.id = (p.payload->>'runId')::int WHERE r.bulk_id = $1`,
      [bulkId],
    );
  }

  it('creates one pending run per device of a filter and queues each on its device', async () => {
    const { bulk, runs } = await bulks.create({
      target: { type: 'filter', filter: { site, tags: ['role=edge'] } },
      command: 'show version',
      requestedByEmail: 'ops@example.net',
    });
    expect(runs).toBe(8);
    expect(bulk).toMatchObject({ total: 8, counts: { pending: 8, running: 0 }, done: false });
    const jobs = await jobsOf(bulk.id);
    expect(jobs).toHaveLength(8);
    const list = await repos.runs.list({ bulkId: bulk.id, limit: 100 });
    for (const run of list.items) {
      expect(jobs).toContainEqual({ queue: `device:${run.deviceId}`, runId: run.id });
      expect(run.command).toBe('show version');
    }
  });

  it('targets a group or a list of devices, and refuses unknown ones and empty targets', async () => {
    const byGroup = await bulks.create({
      target: { type: 'group', groupId: group.id },
      command: 'show clock',
    });
    expect(byGroup.runs).toBe(5);
    const byList = await bulks.create({
      target: {
        type: 'devices',
        deviceIds: [nth(devices, 0).id, nth(devices, 1).id, nth(devices, 0).id],
      },
      command: 'show clock',
    });
    expect(byList.runs).toBe(2);
    await expect(
      bulks.create({ target: { type: 'devices', deviceIds: [2_000_000] }, command: 'x' }),
    ).rejects.toBeInstanceOf(NotFoundError);
    await expect(
      bulks.create({ target: { type: 'group', groupId: 2_000_000 }, command: 'x' }),
    ).rejects.toBeInstanceOf(NotFoundError);
    await expect(
      bulks.create({ target: { type: 'filter', filter: { site: 'nowhere' } }, command: 'x' }),
    ).rejects.toBeInstanceOf(ValidationError);
  });

  it('streams progress in order, resumable from any event without loss or repeats', async () => {
    const { bulk } = await bulks.create({
      target: { type: 'filter', filter: { site } },
      command: 'uptime',
    });
    const all = await bulks.progress(bulk.id, PROGRESS_START);
    expect(all).toHaveLength(12);
    expect(all.every((r) => r.status === 'pending')).toBe(true);
    const cursor: ProgressCursor = { xid: nth(all, 5).xid, runId: nth(all, 5).runId };
    const first = nth(all, 0).runId;
    await repos.runs.markRunning(first);
    await repos.runs.finish(first, { status: 'ok', exitCode: 0 });
    const rest = await bulks.progress(bulk.id, cursor);
    expect(rest.map((r) => r.runId)).toEqual([...all.slice(6).map((r) => r.runId), first]);
    expect(rest.at(-1)?.status).toBe('ok');
    const last = nth(rest, rest.length - 1);
    expect(await bulks.progress(bulk.id, { xid: last.xid, runId: last.runId })).toEqual([]);
    expect(await bulks.changedAfter(bulk.id, { xid: last.xid, runId: last.runId })).toBe(false);
  });

  it('cancels pending runs and takes their jobs off the queue; retries only the failed', async () => {
    const { bulk } = await bulks.create({
      target: { type: 'filter', filter: { site } },
      command: 'uptime',
    });
    const runs = (await repos.runs.list({ bulkId: bulk.id, limit: 100 })).items;
    const [okRun, failRun, runningRun] = [nth(runs, 0), nth(runs, 1), nth(runs, 2)];
    await repos.runs.markRunning(okRun.id);
    await repos.runs.finish(okRun.id, { status: 'ok' });
    await repos.runs.markRunning(failRun.id);
    await repos.runs.finish(failRun.id, { status: 'error', reason: 'auth_failed' });
    await repos.runs.markRunning(runningRun.id);

    const result = await bulks.cancel(bulk.id, 'canceled by ops');
    expect(result).toEqual({ canceledPending: 9, stopping: 1 });
    expect(await bulks.counts(bulk.id)).toEqual({ pending: 0, running: 1, ok: 1, error: 10 });
    // Only the jobs of the runs that were not pending are left (no worker runs here).
    expect((await jobsOf(bulk.id)).map((j) => j.runId).sort()).toEqual(
      [okRun.id, failRun.id, runningRun.id].sort(),
    );
    expect((await bulks.get(bulk.id)).canceledAt).not.toBeNull();

    expect(await bulks.reasons(bulk.id)).toEqual([
      { reason: 'canceled', count: 9 },
      { reason: 'auth_failed', count: 1 },
    ]);

    const retried = await bulks.retryFailed(bulk.id, {
      includeCanceled: false,
      requestedBy: null,
      requestedByEmail: null,
    });
    expect(retried).toBe(1);
    expect(await bulks.counts(bulk.id)).toEqual({ pending: 1, running: 1, ok: 1, error: 9 });
    const again = await bulks.retryFailed(bulk.id, {
      includeCanceled: true,
      requestedBy: null,
      requestedByEmail: null,
    });
    expect(again).toBe(9);
    expect(await bulks.counts(bulk.id)).toEqual({ pending: 10, running: 1, ok: 1, error: 0 });
    expect((await bulks.get(bulk.id)).total).toBe(12);
  });

  it('groups finished devices by identical output', async () => {
    const { bulk } = await bulks.create({
      target: { type: 'filter', filter: { site } },
      command: 'uptime',
    });
    const runs = (await repos.runs.list({ bulkId: bulk.id, limit: 100 })).items;
    for (const [i, run] of runs.entries()) {
      await repos.runs.markRunning(run.id);
      if (i < 9) await repos.chunks.append(run.id, ['same ', 'answer\n']);
      else if (i < 11) await repos.chunks.append(run.id, 'different\n');
      await repos.runs.finish(
        run.id,
        i < 11 ? { status: 'ok' } : { status: 'error', reason: 'unreachable' },
      );
    }
    await bulks.hashOutputs(bulk.id);
    const { groups, total } = await bulks.outputGroups(bulk.id, { groups: 10, perGroup: 5 });
    expect(total).toBe(3);
    expect(groups.map((g) => [g.status, g.count, g.preview])).toEqual([
      ['ok', 9, 'same answer\n'],
      ['ok', 2, 'different\n'],
      ['error', 1, ''],
    ]);
    expect(groups[0]?.devices).toHaveLength(5);
    expect(groups[0]?.hash).toBe(createHash('sha256').update('same answer\n').digest('hex'));
  });

  it('creates a bulk of 10,000 devices in seconds', async () => {
    await db.rows(
      `INSERT INTO devices (hostname, ip, username, cred_ref, site)
       SELECT 'big' || g, ('10.200.0.0'::inet + g), 'u', 'env:LAB', 'big' FROM generate_series(1, 10000) g
       RETURNING id`,
    );
    const started = performance.now();
    const { runs } = await bulks.create({
      target: { type: 'filter', filter: { site: 'big' } },
      command: 'show version',
    });
    const ms = performance.now() - started;
    expect(runs).toBe(10_000);
    expect(ms).toBeLessThan(15_000);
  });
});
