import { repositories } from '@netauto/db';
import { factories } from '@netauto/db/testing';
import type { Run } from '@netauto/schema';
import { parseCrontab } from 'graphile-worker';
import { describe, expect, it } from 'vitest';
import { purgeRuns, retentionCrontab, RETENTION_TASK } from '../src/retention.js';
import { useTestDatabase } from './db.js';

const KIB = 1024;

describe('retention of run history', async () => {
  const { db } = await useTestDatabase();
  const repos = repositories(db);
  const make = factories(db);

  /** A run with `bytes` of output, finished (or left running), made `days` old. */
  async function runOf(
    deviceId: number,
    opts: { days: number; bytes: number; running?: boolean },
  ): Promise<Run> {
    const run = await make.run({ deviceId });
    await repos.runs.markRunning(run.id);
    if (opts.bytes > 0) await repos.chunks.append(run.id, 'x'.repeat(opts.bytes));
    if (!opts.running) await repos.runs.finish(run.id, { status: 'ok', exitCode: 0 });
    await db.rows(
      `UPDATE runs SET created_at = now() - $2::int * interval '1 day',
         requested_at = now() - $2::int * interval '1 day' WHERE id = $1 RETURNING id`,
      [run.id, opts.days],
    );
    return run;
  }

  const exists = async (run: Run) =>
    (await db.rows('SELECT 1 FROM runs WHERE id = $1', [run.id])).length === 1;

  it('deletes runs past the age limit and, per device, the oldest past the byte limit', async () => {
    const a = await make.device();
    const b = await make.device();
    const old = await runOf(a.id, { days: 40, bytes: 2 * KIB });
    const oldRunning = await runOf(a.id, { days: 40, bytes: 1 * KIB, running: true });
    const recentA = await runOf(a.id, { days: 1, bytes: 1 * KIB });
    // Device b: 4 runs of 4 KiB within 10 KiB; the two oldest finished go.
    const b1 = await runOf(b.id, { days: 5, bytes: 4 * KIB });
    const b2 = await runOf(b.id, { days: 4, bytes: 4 * KIB });
    const b3 = await runOf(b.id, { days: 3, bytes: 4 * KIB, running: true });
    const b4 = await runOf(b.id, { days: 2, bytes: 4 * KIB });
    const limits = { maxDays: 30, maxBytes: 10 * KIB };

    const preview = await repos.retention.preview(limits);
    expect(preview).toMatchObject({ runs: 3, bytes: 10 * KIB, byAge: 1, byBytes: 2 });
    expect(preview.devices.map((d) => [d.deviceId, d.runs])).toEqual([
      [b.id, 2],
      [a.id, 1],
    ]);

    // Batches of one run at a time, to see that the loop goes on until nothing is left.
    const result = await purgeRuns(db, limits, { batchRuns: 1, pauseMs: 0 });
    expect(result).toMatchObject({ runs: 3, bytes: 10 * KIB, byAge: 1, byBytes: 2, batches: 3 });
    expect(await exists(old)).toBe(false);
    expect(await exists(b1)).toBe(false);
    expect(await exists(b2)).toBe(false);
    // Unfinished runs stay whatever their age or size, and so do recent ones within the limit.
    for (const kept of [oldRunning, recentA, b3, b4]) expect(await exists(kept)).toBe(true);
    expect(
      (await db.rows('SELECT 1 FROM run_chunks WHERE run_id = ANY($1::int[])', [[old.id, b1.id]]))
        .length,
    ).toBe(0);

    const audit = await repos.audit.list({ action: 'retention.purge' });
    expect(audit.items[0]).toMatchObject({
      actorId: null,
      summary: { runs: 3, byAge: 1, byBytes: 2, maxDays: 30, maxBytes: 10 * KIB },
    });

    // Nothing left to do: a second purge deletes nothing, and says so.
    expect(await purgeRuns(db, limits)).toMatchObject({ runs: 0, batches: 0 });
    expect((await repos.retention.preview(limits)).runs).toBe(0);
  });

  it('keeps each delete within the byte budget, and stops when asked', async () => {
    const d = await make.device();
    const olds = [];
    for (let i = 0; i < 4; i++) olds.push(await runOf(d.id, { days: 50, bytes: 4 * KIB }));
    const limits = { maxDays: 30, maxBytes: 1024 * KIB };
    // 4 KiB runs, 6 KiB a statement: one run a batch (a batch always takes its first).
    const result = await purgeRuns(db, limits, { batchRuns: 100, batchBytes: 6 * KIB, pauseMs: 0 });
    expect(result).toMatchObject({ runs: 4, byAge: 4, batches: 4 });
    for (const run of olds) expect(await exists(run)).toBe(false);

    for (let i = 0; i < 3; i++) await runOf(d.id, { days: 50, bytes: 1 * KIB });
    const stop = new AbortController();
    stop.abort();
    expect(await purgeRuns(db, limits, { signal: stop.signal })).toMatchObject({ runs: 0 });
    expect((await repos.retention.preview(limits)).runs).toBe(3);
  });

  it('is queued by a daily crontab line that graphile-worker accepts', () => {
    const [item] = parseCrontab(retentionCrontab('15 3 * * *'));
    expect(item).toMatchObject({
      task: RETENTION_TASK,
      options: { maxAttempts: 1, queueName: RETENTION_TASK, jobKey: RETENTION_TASK },
    });
    expect(() => parseCrontab(retentionCrontab('every day'))).toThrow();
  });
});
