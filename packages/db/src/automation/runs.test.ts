import type { Run } from '@netauto/schema';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { useTestDatabase } from '../../test/db.js';
import { InvalidStateError, NotFoundError, ValidationError } from '../errors.js';
import { OUTPUT_CHANNEL } from './queue.repo.js';

describe('runs repository', async () => {
  const { repos, make, db, url } = await useTestDatabase();
  const runs = repos.runs;
  /** Starts a run as its worker does: the run started, or 'over' (it stays pending). */
  const start = async (id: number, worker: string, quota: { global: number; perSite: number }) => {
    const started = await runs.startForWorker(id, worker, quota);
    return started === 'over' ? started : started.run;
  };

  it('creates a pending run with who asked for it', async () => {
    const user = await make.user({ email: 'ana@example.net' });
    const d = await make.device();
    const run = await runs.create({
      deviceId: d.id,
      command: 'show version',
      requestedBy: user.id,
      requestedByEmail: user.email,
    });
    expect(run).toMatchObject({
      deviceId: d.id,
      status: 'pending',
      mode: 'read',
      bytes: 0,
      chunkCount: 0,
      exitCode: null,
      attempt: 1,
      errorReason: null,
      startedAt: null,
      finishedAt: null,
      requestedBy: user.id,
      requestedByEmail: 'ana@example.net',
    });
  });

  it('preloads the device and the template on request', async () => {
    const t = await make.template();
    const run = await make.run({ templateId: t.id, mode: 'change' });
    const detail = await runs.get(run.id, { device: true, template: true });
    expect(detail.device?.id).toBe(run.deviceId);
    expect(detail.template?.id).toBe(t.id);
    expect(detail.mode).toBe('change');
    const bare = await runs.get(run.id);
    expect(bare).not.toHaveProperty('device');
  });

  it('refuses a run on a missing device and an empty command', async () => {
    await expect(runs.create({ deviceId: 424_242, command: 'x' })).rejects.toThrow(
      new NotFoundError('device', '424242'),
    );
    const d = await make.device();
    await expect(runs.create({ deviceId: d.id, command: '' })).rejects.toThrow(ValidationError);
  });

  it('moves pending -> running -> ok, stamping times and the exit code', async () => {
    const run = await make.run();
    const running = await runs.markRunning(run.id);
    expect(running.status).toBe('running');
    expect(running.startedAt).not.toBeNull();
    const ok = await runs.finish(run.id, { status: 'ok', exitCode: 0 });
    expect(ok).toMatchObject({ status: 'ok', exitCode: 0, errorReason: null });
    expect(ok.finishedAt).not.toBeNull();
  });

  it('moves pending -> error (a canceled run never starts) and running -> error', async () => {
    const canceled = await runs.finish((await make.run()).id, {
      status: 'error',
      reason: 'canceled',
      message: 'canceled by ana@example.net',
    });
    expect(canceled).toMatchObject({ status: 'error', errorReason: 'canceled', startedAt: null });

    const run = await make.run();
    await runs.markRunning(run.id);
    const failed = await runs.finish(run.id, {
      status: 'error',
      reason: 'auth_failed',
      message: 'denied',
    });
    expect(failed).toMatchObject({
      status: 'error',
      errorReason: 'auth_failed',
      errorMessage: 'denied',
    });
  });

  it('refuses every other transition', async () => {
    const pending = await make.run();
    await expect(runs.finish(pending.id, { status: 'ok' })).rejects.toThrow(
      new InvalidStateError(`run ${pending.id} is pending and cannot become ok`),
    );
    const done = await make.run();
    await runs.markRunning(done.id);
    await runs.finish(done.id, { status: 'ok', exitCode: 0 });
    await expect(runs.markRunning(done.id)).rejects.toThrow(InvalidStateError);
    await expect(runs.finish(done.id, { status: 'error', reason: 'canceled' })).rejects.toThrow(
      InvalidStateError,
    );
    await expect(runs.markRunning(999_999)).rejects.toThrow(NotFoundError);
  });

  it('finishes only from the statuses asked for (a cancel never ends a started run)', async () => {
    const run = await make.run();
    await runs.markRunning(run.id);
    await expect(
      runs.finish(run.id, { status: 'error', reason: 'canceled' }, ['pending']),
    ).rejects.toThrow(new InvalidStateError(`run ${run.id} is running and cannot become error`));
    expect((await runs.get(run.id)).status).toBe('running');
  });

  it('recovers only the runs whose worker went silent: retries a silent first attempt once, else worker_lost', async () => {
    const alive = await make.run();
    const printed = await make.run();
    const silent = await make.run();
    for (const [run, worker] of [
      [alive, 'w-alive'],
      [printed, 'w-dead'],
      [silent, 'w-dead'],
    ] as const) {
      await runs.markRunning(run.id, worker);
      await repos.queue.addRun(run);
    }
    await repos.chunks.append(printed.id, 'half a line');
    // The dead worker still holds its jobs and the devices' queues in graphile-worker.
    await db.rows(
      `UPDATE graphile_worker._private_jobs SET locked_by = 'gw-dead', locked_at = now()
       WHERE key = ANY($1::text[]) RETURNING id`,
      [[`run:${printed.id}`, `run:${silent.id}`]],
    );
    await db.rows(
      `UPDATE graphile_worker._private_job_queues SET locked_by = 'gw-dead', locked_at = now()
       WHERE queue_name = ANY($1::text[]) RETURNING id`,
      [[`device:${printed.deviceId}`, `device:${silent.deviceId}`]],
    );
    await db.rows(
      `UPDATE runs SET heartbeat_at = now() - interval '1 minute' WHERE id = ANY($1::int[]) RETURNING id`,
      [[alive.id, printed.id, silent.id]],
    );
    await runs.heartbeat('w-alive', [alive.id]);

    const first = await runs.recoverLost(30_000);
    expect(first.lost.map((r) => r.id)).toEqual([printed.id]);
    expect(first.retried.map((r) => r.id)).toEqual([silent.id]);
    expect(await runs.get(printed.id)).toMatchObject({
      status: 'error',
      errorReason: 'worker_lost',
    });
    expect(await repos.chunks.text(printed.id)).toBe('half a line');
    expect(await runs.get(silent.id)).toMatchObject({
      status: 'pending',
      attempt: 2,
      startedAt: null,
    });
    expect((await runs.get(alive.id)).status).toBe('running');
    const jobs = await db.rows<{ key: string; locked_by: string | null }>(
      `SELECT key, locked_by FROM graphile_worker.jobs WHERE key = ANY($1::text[]) ORDER BY key`,
      [[`run:${printed.id}`, `run:${silent.id}`]],
    );
    // The lost run's job is gone; the retry is queued afresh; nothing is held by the dead.
    expect(jobs).toEqual([{ key: `run:${silent.id}`, locked_by: null }]);
    const held = await db.rows(
      `SELECT queue_name FROM graphile_worker._private_job_queues WHERE locked_by = 'gw-dead'`,
    );
    expect(held).toEqual([]);

    // A worker that died between a run's end and its job's still held the device's queue.
    const ended = await make.run();
    await runs.markRunning(ended.id, 'w-gone');
    await repos.queue.addRun(ended);
    await runs.complete(ended.id, { status: 'ok', exitCode: 0 }, 'done\n');
    await db.rows(
      `UPDATE graphile_worker._private_jobs SET locked_by = 'gw-gone', locked_at = now() - interval '1 minute'
       WHERE key = $1 RETURNING id`,
      [`run:${ended.id}`],
    );
    await db.rows(
      `UPDATE runs SET finished_at = now() - interval '1 minute' WHERE id = $1 RETURNING id`,
      [ended.id],
    );
    await runs.recoverLost(30_000);
    expect(
      await db.rows(`SELECT id FROM graphile_worker.jobs WHERE key = $1`, [`run:${ended.id}`]),
    ).toEqual([]);
    expect(await repos.chunks.text(ended.id)).toBe('done\n');

    // The retry's worker dies too: a second attempt is not retried again.
    await runs.markRunning(silent.id, 'w-dead-again');
    await db.rows(
      `UPDATE runs SET heartbeat_at = now() - interval '1 minute' WHERE id = $1 RETURNING id`,
      [silent.id],
    );
    const second = await runs.recoverLost(30_000);
    expect(second).toMatchObject({ retried: [], lost: [{ id: silent.id, attempt: 2 }] });
    // Only a silent running run may go back to pending.
    await expect(
      db.rows(`UPDATE runs SET status = 'pending', attempt = 2 WHERE id = $1 RETURNING id`, [
        printed.id,
      ]),
    ).rejects.toThrow(/cannot go from error to pending/);
  });

  it('queues again the pending runs whose job is gone, spent or held by a dead worker; a second loss ends them', async () => {
    const old = (ids: number[]) =>
      db.rows(
        `UPDATE runs SET updated_at = now() - interval '5 minutes' WHERE id = ANY($1::int[]) RETURNING id`,
        [ids],
      );
    const queued = async () => {
      const run = await make.run();
      await repos.queue.addRun(run);
      return run;
    };
    const jobOf = async (id: number) =>
      (
        await db.rows<{ attempts: number; locked_by: string | null }>(
          `SELECT attempts, locked_by FROM graphile_worker.jobs WHERE key = $1`,
          [`run:${id}`],
        )
      )[0];
    // A job that failed: no attempt left.
    const spent = await queued();
    await db.rows(
      `UPDATE graphile_worker._private_jobs SET attempts = 1, last_error = 'boom' WHERE key = $1 RETURNING id`,
      [`run:${spent.id}`],
    );
    // Taken minutes ago by a worker that died with it, holding the device's queue.
    const held = await queued();
    await db.rows(
      `UPDATE graphile_worker._private_jobs SET attempts = 1, locked_by = 'gw-dead',
         locked_at = now() - interval '5 minutes' WHERE key = $1 RETURNING id`,
      [`run:${held.id}`],
    );
    await db.rows(
      `UPDATE graphile_worker._private_job_queues SET locked_by = 'gw-dead',
         locked_at = now() - interval '5 minutes' WHERE queue_name = $1 RETURNING id`,
      [`device:${held.deviceId}`],
    );
    // No job at all.
    const missing = await make.run();
    // Left alone: taken a moment ago by a live worker, waiting with an attempt left, or
    // just made (its job comes with it).
    const taken = await queued();
    await db.rows(
      `UPDATE graphile_worker._private_jobs SET attempts = 1, locked_by = 'gw-live',
         locked_at = now() - interval '1 second' WHERE key = $1 RETURNING id`,
      [`run:${taken.id}`],
    );
    const waiting = await queued();
    const young = await make.run();
    // Lost once already.
    const again = await queued();
    await db.rows(`UPDATE runs SET attempt = 2 WHERE id = $1 RETURNING id`, [again.id]);
    await db.rows(
      `UPDATE graphile_worker._private_jobs SET attempts = 1, last_error = 'boom' WHERE key = $1 RETURNING id`,
      [`run:${again.id}`],
    );
    // A canceled run whose job was handed back by a worker after the cancel.
    const canceled = await queued();
    await runs.finish(canceled.id, { status: 'error', reason: 'canceled' }, ['pending']);
    await old([spent, held, missing, taken, waiting, again, canceled].map((r) => r.id));

    // Another process is at it: this one skips its turn.
    const other = new pg.Client({ connectionString: url });
    await other.connect();
    await other.query('BEGIN');
    await other.query('SELECT pg_advisory_xact_lock(727316403)');
    expect(await runs.reconcileQueue(30_000)).toEqual({ requeued: [], lost: [] });
    await other.query('COMMIT');
    await other.end();

    const result = await runs.reconcileQueue(30_000);
    expect(result.requeued.map((r) => r.id)).toEqual([spent.id, held.id, missing.id]);
    expect(result.lost.map((r) => r.id)).toEqual([again.id]);
    for (const run of [spent, held, missing]) {
      expect(await runs.get(run.id)).toMatchObject({ status: 'pending', attempt: 2 });
      expect(await jobOf(run.id)).toEqual({ attempts: 0, locked_by: null });
    }
    expect(
      await db.rows(
        `SELECT queue_name FROM graphile_worker._private_job_queues WHERE locked_by = 'gw-dead'`,
      ),
    ).toEqual([]);
    expect(await runs.get(again.id)).toMatchObject({
      status: 'error',
      errorReason: 'worker_lost',
      errorMessage: expect.stringMatching(/twice/) as unknown,
    });
    expect(await jobOf(again.id)).toBeUndefined();
    expect(await jobOf(canceled.id)).toBeUndefined();
    for (const run of [taken, waiting, young]) {
      expect(await runs.get(run.id)).toMatchObject({ status: 'pending', attempt: 1 });
    }
    expect(await jobOf(taken.id)).toEqual({ attempts: 1, locked_by: 'gw-live' });
    expect(await jobOf(waiting.id)).toEqual({ attempts: 0, locked_by: null });
    expect(await jobOf(young.id)).toBeUndefined();
    // Nothing more to do.
    expect(await runs.reconcileQueue(30_000)).toEqual({ requeued: [], lost: [] });
  });

  it("announces a run's start and its end, whatever ends it, at commit", async () => {
    const listener = new pg.Client({ connectionString: url });
    await listener.connect();
    const heard: string[] = [];
    listener.on('notification', (n) => heard.push(n.payload ?? ''));
    await listener.query(`LISTEN ${OUTPUT_CHANNEL}`);
    try {
      const canceled = await make.run();
      const done = await make.run();
      await runs.finish(canceled.id, { status: 'error', reason: 'canceled' }, ['pending']);
      await start(done.id, 'w', { global: 1000, perSite: 1000 });
      await runs.complete(done.id, { status: 'ok', exitCode: 0 }, 'bye\n');
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(heard.filter((p) => [canceled.id, done.id].includes(Number(p.split(':')[0])))).toEqual(
        [`${canceled.id}:end`, `${done.id}:start`, `${done.id}:end`],
      );
    } finally {
      await listener.end();
    }
  });

  it('a run held by a cancel in progress never holds up the start of other runs', async () => {
    const held = await make.run();
    const other = await make.run();
    const quota = { global: 1000, perSite: 1000 };
    const cancel = new pg.Client({ connectionString: url });
    await cancel.connect();
    try {
      await cancel.query('BEGIN');
      await cancel.query(
        `UPDATE runs SET status = 'error', error_reason = 'canceled', finished_at = now() WHERE id = $1`,
        [held.id],
      );
      // The held run's start does not wait for the cancel: it is looked at again later,
      // as a run over quota is, and other runs start meanwhile.
      expect(await start(held.id, 'w', quota)).toBe('over');
      expect(await start(other.id, 'w', quota)).toMatchObject({
        status: 'running',
      });
      await cancel.query('COMMIT');
      await expect(start(held.id, 'w', quota)).rejects.toThrow(InvalidStateError);
      expect((await runs.get(held.id)).status).toBe('error');
    } finally {
      await cancel.end();
    }
  });

  it('starts runs only within the global and per-site quotas', async () => {
    const site = `q-${Date.now()}`;
    const a = await make.device({ site });
    const b = await make.device({ site });
    const c = await make.device({ site: `${site}-other` });
    const r1 = await make.run({ deviceId: a.id });
    const r2 = await make.run({ deviceId: b.id });
    const r3 = await make.run({ deviceId: c.id });
    const running = (await runs.list({ status: ['running'], limit: 100 })).items.length;
    const quota = { global: running + 2, perSite: 1 };
    expect(await start(r1.id, 'w', quota)).toMatchObject({ status: 'running' });
    expect(await start(r2.id, 'w', quota)).toBe('over');
    expect(await start(r3.id, 'w', quota)).toMatchObject({ status: 'running' });
    // The global quota is full now, whatever the site.
    expect(await start(r2.id, 'w', { ...quota, perSite: 5 })).toBe('over');
    expect((await runs.get(r2.id)).status).toBe('pending');
  });

  it('records, queues and audits many runs in one statement, all or none', async () => {
    const [a, b] = [await make.device(), await make.device()];
    const audit = (command: string) => ({
      actorId: null,
      actorEmail: 'ops@example.net',
      action: 'runs.create',
      summary: { command },
    });
    const made = await runs.createMany([
      { record: { deviceId: b.id, command: 'show clock' }, audit: audit('show clock') },
      { record: { deviceId: a.id, command: 'show version' }, audit: audit('show version') },
      { record: { deviceId: b.id, command: 'show users', mode: 'change' }, audit: audit('x') },
    ]);
    // In the order given, each pending and queued, each with its audit event.
    expect(made.map((r) => [r.deviceId, r.command, r.mode, r.status])).toEqual([
      [b.id, 'show clock', 'read', 'pending'],
      [a.id, 'show version', 'read', 'pending'],
      [b.id, 'show users', 'change', 'pending'],
    ]);
    const jobs = await db.rows<{ key: string; queue: string }>(
      `SELECT key, queue_name AS queue FROM graphile_worker.jobs WHERE key = ANY($1::text[])
       ORDER BY substr(key, 5)::int`,
      [made.map((r) => `run:${r.id}`)],
    );
    expect(jobs).toEqual(
      [...made]
        .sort((x, y) => x.id - y.id)
        .map((r) => ({ key: `run:${r.id}`, queue: `device:${r.deviceId}` })),
    );
    const events = await db.rows<{ target: string; command: string }>(
      `SELECT target_id AS target, summary->>'command' AS command FROM audit_events
       WHERE target_type = 'run' AND target_id = ANY($1::text[]) ORDER BY target_id::int`,
      [made.map((r) => String(r.id))],
    );
    expect(events).toEqual([
      { target: String(made[0]?.id), command: 'show clock' },
      { target: String(made[1]?.id), command: 'show version' },
      { target: String(made[2]?.id), command: 'x' },
    ]);

    // One missing device: nothing of the batch is kept.
    const before = await db.rows<{ runs: number; events: number; jobs: number }>(
      `SELECT (SELECT count(*) FROM runs)::int AS runs, (SELECT count(*) FROM audit_events)::int
         AS events, (SELECT count(*) FROM graphile_worker.jobs)::int AS jobs`,
    );
    await expect(
      runs.createMany([
        { record: { deviceId: a.id, command: 'show clock' }, audit: audit('y') },
        { record: { deviceId: 987_654, command: 'show clock' }, audit: audit('z') },
      ]),
    ).rejects.toThrow();
    expect(
      await db.rows(
        `SELECT (SELECT count(*) FROM runs)::int AS runs, (SELECT count(*) FROM audit_events)::int
           AS events, (SELECT count(*) FROM graphile_worker.jobs)::int AS jobs`,
      ),
    ).toEqual(before);
    expect(await runs.createMany([])).toEqual([]);
  });

  it('starts a run only when no other run of its device is running', async () => {
    const quota = { global: 1000, perSite: 1000 };
    const d = await make.device();
    const first = await make.run({ deviceId: d.id });
    const second = await make.run({ deviceId: d.id });
    const other = await make.run();
    // Both handed out at once (as a batch of jobs may be): one starts, one waits.
    const [a, b] = await Promise.all([start(first.id, 'w1', quota), start(second.id, 'w2', quota)]);
    expect([a, b].filter((s) => s === 'over')).toHaveLength(1);
    const [busy, waiting] = a === 'over' ? [second, first] : [first, second];
    expect((await runs.get(waiting.id)).status).toBe('pending');
    // Another device is not held up.
    expect(await start(other.id, 'w1', quota)).toMatchObject({ status: 'running' });
    await runs.finish(busy.id, { status: 'ok', exitCode: 0 });
    expect(await start(waiting.id, 'w1', quota)).toMatchObject({
      status: 'running',
    });
  });

  it("starts a device's runs oldest first; an older run whose job failed for good holds none up", async () => {
    const quota = { global: 1000, perSite: 1000 };
    const d = await make.device();
    const queued = (command: string) => runs.create({ deviceId: d.id, command }, { queue: true });
    const [older, newer] = [await queued('show clock'), await queued('show version')];
    // The newer one is handed out first (as a batch of jobs may do): it waits.
    expect(await start(newer.id, 'w', quota)).toBe('over');
    expect(await start(older.id, 'w', quota)).toMatchObject({
      status: 'running',
    });
    expect(await start(newer.id, 'w', quota)).toBe('over');
    await runs.finish(older.id, { status: 'ok', exitCode: 0 });
    expect(await start(newer.id, 'w', quota)).toMatchObject({
      status: 'running',
    });
    await runs.finish(newer.id, { status: 'ok', exitCode: 0 });

    // An older pending run whose job failed for good (tried, unlocked) waits for nobody.
    const [stuck, next] = [await queued('show users'), await queued('show ip route')];
    await db.rows(
      `UPDATE graphile_worker._private_jobs SET attempts = max_attempts, locked_at = NULL,
         locked_by = NULL WHERE key = $1`,
      [`run:${stuck.id}`],
    );
    expect(await start(next.id, 'w', quota)).toMatchObject({
      status: 'running',
    });
  });

  it('starts a run for its worker with its device and its template timeout in one statement', async () => {
    const quota = { global: 1000, perSite: 1000 };
    const d = await make.device();
    const t = await make.template({ commandTimeoutMs: 4321 });
    const run = await make.run({ deviceId: d.id, templateId: t.id });
    const started = await runs.startForWorker(run.id, 'w', quota);
    expect(started).toMatchObject({
      run: { id: run.id, status: 'running' },
      device: { id: d.id, hostname: d.hostname, ip: d.ip, createdAt: d.createdAt },
      commandTimeoutMs: 4321,
    });
    // Not pending any more: refused, as a second start of the same run.
    await expect(runs.startForWorker(run.id, 'w', quota)).rejects.toThrow(InvalidStateError);
  });

  it('lets exactly one of several concurrent starts win', async () => {
    const run = await make.run();
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, () => runs.markRunning(run.id)),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
  });

  it('deletes only finished runs, with their output', async () => {
    const run = await make.run();
    await expect(runs.delete(run.id)).rejects.toThrow(InvalidStateError);
    await runs.markRunning(run.id);
    await repos.chunks.append(run.id, 'output');
    await runs.finish(run.id, { status: 'ok', exitCode: 0 });
    await runs.delete(run.id);
    await expect(runs.get(run.id)).rejects.toThrow(NotFoundError);
    expect(await repos.chunks.list(run.id)).toEqual([]);
  });

  describe('list', async () => {
    const alice = await make.user({ email: 'alice@example.net' });
    const bob = await make.user({ email: 'bob@example.net' });
    const d1 = await make.device();
    const d2 = await make.device();
    const made: Run[] = [];
    for (let i = 0; i < 30; i++) {
      const by = i % 3 === 0 ? bob : alice;
      made.push(
        await runs.create({
          deviceId: i % 2 ? d1.id : d2.id,
          command: i % 5 === 0 ? `show interface Gi0/${i}` : 'show version',
          requestedBy: by.id,
          requestedByEmail: by.email,
        }),
      );
    }
    // Spread the request times: run i was asked for i hours ago.
    await db.sequelize.query(
      `UPDATE runs SET requested_at = now() - make_interval(hours => id - $1)`,
      { bind: [made[0]?.id ?? 0] },
    );
    for (const r of made.slice(0, 4)) await runs.markRunning(r.id);
    const ids = (rs: { items: Run[] }) => rs.items.map((r) => r.id);

    it('returns newest first, and pages lose and repeat nothing', async () => {
      const seen: number[] = [];
      let cursor: string | undefined;
      do {
        const page = await runs.list({ deviceId: d1.id, limit: 4, ...(cursor && { cursor }) });
        seen.push(...ids(page));
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      const expected = made
        .filter((r) => r.deviceId === d1.id)
        .map((r) => r.id)
        .reverse();
      expect(seen).toEqual(expected);
    });

    it('filters on status, requester, time and command text', async () => {
      expect(ids(await runs.list({ status: ['running'], deviceId: d2.id, limit: 100 }))).toEqual([
        made[2]?.id,
        made[0]?.id,
      ]);
      const bobs = await runs.list({ requestedBy: bob.id, limit: 100 });
      expect(bobs.items.every((r) => r.requestedByEmail === 'bob@example.net')).toBe(true);
      expect(bobs.items).toHaveLength(10);
      const text = await runs.list({ q: 'interface', limit: 100 });
      expect(text.items.map((r) => r.command).sort()).toEqual(
        made
          .filter((r) => r.command.includes('interface'))
          .map((r) => r.command)
          .sort(),
      );
      const from = new Date(Date.now() - 5.5 * 3600_000).toISOString();
      const recent = await runs.list({ from, deviceId: d1.id, limit: 100 });
      // Runs 1, 3 and 5 of d1 were asked for less than 5.5 hours ago.
      expect(ids(recent).sort()).toEqual([made[1]?.id, made[3]?.id, made[5]?.id].sort());
      const to = await runs.list({ to: from, deviceId: d1.id, limit: 100 });
      expect(to.items).toHaveLength(15 - 3);
    });

    it('refuses a bad filter', async () => {
      await expect(runs.list({ status: ['done' as never] })).rejects.toThrow(ValidationError);
      await expect(runs.list({ limit: 101 })).rejects.toThrow(ValidationError);
    });
  });
});
