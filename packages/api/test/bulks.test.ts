import { fleet, startLab, type SimDeviceSpec, type SimFaults } from '@netauto/devsim';
import { ValidationError } from '@netauto/db';
import { DeviceAccess, HostKeys, Secrets } from '@netauto/device-access';
import { startWorkers } from '@netauto/worker';
import type {
  BulkProgressEvent,
  BulkProgressInput,
  DeviceCreate,
  RunErrorReason,
} from '@netauto/schema';
import { isTrackedEnvelope } from '@trpc/server';
import { afterAll, describe, expect, it } from 'vitest';
import { BulksService } from '../src/automation/bulks.service.js';
import { useApi } from './api.js';

/** What each fault of the fleet makes a run of `yes | head -c 3000` end with. */
const REASON_OF: Partial<Record<keyof SimFaults, RunErrorReason>> = {
  rejectPassword: 'auth_failed',
  refuseConnection: 'unreachable',
  hangOnConnect: 'connect_timeout',
  hangAfterLogin: 'command_timeout',
  dropAfterBytes: 'connection_lost',
  bannerDelayMs: 'command_timeout',
};

const COMMAND = 'yes | head -c 3000';

describe('bulk runs over 200 simulated devices, 10% of them faulty', async () => {
  const api = await useApi();
  const specs: SimDeviceSpec[] = fleet({
    count: 200,
    platforms: ['linux'],
    faults: 0.1,
    seed: 'bulk-test',
  });
  const lab = await startLab({ devices: specs });
  await api.repos.devices.upsertMany(JSON.parse(lab.inventory('json')) as DeviceCreate[]);
  const access = new DeviceAccess(
    new Secrets(api.db, {
      env: {
        NETAUTO_DEVSIM_PASSWORD: 'netops-pass',
        NETAUTO_DEVSIM_ENABLE: 'enable-pass',
        NETAUTO_DEVSIM_ALLOW: '127.0.0.0/8,::1',
      },
    }),
    new HostKeys(api.db, 'tofu'),
    // Room for a busy machine to connect (50 handshakes at once share this process with
    // the simulated devices), while a device whose output comes 5 s late still times out.
    { connectMs: 8000, commandMs: 4000, maxBytes: 1024 * 1024, telnet: false },
  );
  const workers = await startWorkers({
    db: api.db,
    access,
    url: api.url,
    concurrency: 50,
    pollIntervalMs: 200,
    quota: { global: 200, perSite: 200 },
  });
  afterAll(async () => {
    await workers.stop();
    await api.services.hub.stop();
    await lab.stop();
  });
  const { caller } = await api.signedIn('operator');

  const devices = new Map(
    (await api.repos.devices.list({ tags: ['lab=devsim'], limit: 500 })).items.map((d) => [
      d.hostname,
      d,
    ]),
  );
  const faultOf = new Map(
    specs.map((s) => [s.hostname, Object.keys(s.faults ?? {})[0] as keyof SimFaults | undefined]),
  );
  /** The reason each device's run should fail with, or undefined when it should succeed. */
  const expectedReason = (hostname: string) => {
    const fault = faultOf.get(hostname);
    return fault === undefined ? undefined : REASON_OF[fault];
  };
  const failing = [...devices.keys()].filter((h) => expectedReason(h) !== undefined);

  /** Follows a bulk's progress until it ends, or until `stopAfter` events. */
  async function follow(input: BulkProgressInput, stopAfter = Infinity) {
    const events: { id: string; event: BulkProgressEvent }[] = [];
    const stream = await caller.bulks.onProgress(input);
    for await (const envelope of stream) {
      if (!isTrackedEnvelope(envelope)) throw new Error('an event without an id');
      const [id, event] = envelope as unknown as [string, BulkProgressEvent];
      events.push({ id, event });
      if (events.length >= stopAfter) break;
    }
    return events;
  }

  let bulkId = 0;

  it('runs one command on every device: progress, counts, reasons and output groups', async () => {
    expect(devices.size).toBe(200);
    expect(failing.length).toBeGreaterThan(0);
    const bulk = await caller.bulks.create({
      target: { type: 'filter', filter: { tags: ['lab=devsim'] } },
      command: COMMAND,
    });
    bulkId = bulk.id;
    expect(bulk).toMatchObject({ total: 200, counts: { pending: 200 }, done: false });

    // Follow part of the way, drop, and resume from the last event id.
    const first = await follow({ id: bulk.id }, 150);
    const last = first.at(-1)?.id;
    const rest = await follow({ id: bulk.id, lastEventId: last });
    const events = [...first, ...rest];
    const deviceEvents = events.flatMap((e) => (e.event.type === 'device' ? [e.event] : []));
    // Each run is reported once per status it took, in order: nothing lost, nothing repeated.
    const seen = new Set<string>();
    for (const e of deviceEvents) {
      const key = `${e.runId}:${e.status}`;
      expect(seen.has(key), key).toBe(false);
      seen.add(key);
    }
    const final = new Map(deviceEvents.map((e) => [e.hostname, e]));
    expect(final.size).toBe(200);
    const end = events.at(-1)?.event;
    expect(end).toMatchObject({ type: 'counts', done: true, total: 200 });

    for (const [hostname, e] of final) {
      const reason = expectedReason(hostname);
      expect([hostname, e.status, e.errorReason]).toEqual([
        hostname,
        reason ? 'error' : 'ok',
        reason ?? null,
      ]);
    }

    const summary = await caller.bulks.summary({ id: bulk.id, devicesPerGroup: 500 });
    expect(summary.bulk.counts).toEqual({
      pending: 0,
      running: 0,
      ok: 200 - failing.length,
      error: failing.length,
    });
    const reasons = new Map<string, number>();
    for (const h of failing) {
      const r = expectedReason(h) ?? 'none';
      reasons.set(r, (reasons.get(r) ?? 0) + 1);
    }
    expect(Object.fromEntries(summary.reasons.map((r) => [r.reason, r.count]))).toEqual(
      Object.fromEntries(reasons),
    );

    // Every good device printed the same 3000 bytes: one group, the largest.
    const good = summary.outputs[0];
    expect(good).toMatchObject({ status: 'ok', count: 200 - failing.length, bytes: 3000 });
    expect(good?.preview.startsWith('y\ny\ny\n')).toBe(true);
    expect(new Set(good?.devices.map((d) => d.hostname))).toEqual(
      new Set([...devices.keys()].filter((h) => !failing.includes(h))),
    );
    // Every finished device is in exactly one group.
    const grouped = summary.outputs.flatMap((g) => g.devices.map((d) => d.hostname));
    expect(grouped).toHaveLength(200);
    expect(new Set(grouped).size).toBe(200);
    for (const group of summary.outputs.slice(1)) expect(group.status).toBe('error');
  }, 60_000);

  it('retries only the failed devices, as new runs of the same bulk', async () => {
    const before = await api.repos.runs.list({ bulkId, limit: 100, status: ['ok'] });
    const { runs, bulk } = await caller.bulks.retryFailed({ id: bulkId });
    expect(runs).toBe(failing.length);
    // Some retries may have failed again already; the good devices were not run again.
    expect(bulk.counts.ok).toBe(200 - failing.length);
    expect(bulk.counts.pending + bulk.counts.running + bulk.counts.error).toBe(failing.length);
    const events = await follow({ id: bulkId });
    expect(events.at(-1)?.event).toMatchObject({ type: 'counts', done: true });

    const all = await api.db.rows<{ hostname: string; n: number }>(
      `SELECT d.hostname, count(*)::int AS n FROM runs r JOIN devices d ON d.id = r.device_id
       WHERE r.bulk_id = $1 GROUP BY d.hostname`,
      [bulkId],
    );
    for (const { hostname, n } of all) {
      expect([hostname, n]).toEqual([hostname, failing.includes(hostname) ? 2 : 1]);
    }
    const summary = await caller.bulks.summary({ id: bulkId });
    expect(summary.bulk.counts.error).toBe(failing.length);
    expect((await api.repos.runs.list({ bulkId, limit: 100, status: ['ok'] })).items).toEqual(
      before.items,
    );
    const audit = await api.repos.audit.list({ action: 'bulks.retryFailed' });
    expect(audit.items[0]).toMatchObject({ targetId: String(bulkId), summary: { runs: runs } });
  }, 60_000);

  it('counts a command that exits non-zero as failed: counts, reasons, output groups and retry', async () => {
    const healthy = [...devices.values()].filter((d) => !failing.includes(d.hostname));
    const target = { type: 'devices' as const, deviceIds: healthy.slice(0, 6).map((d) => d.id) };
    const bulk = await caller.bulks.create({ target, command: 'uname -a; exit 3' });
    const events = await follow({ id: bulk.id });
    expect(events.at(-1)?.event).toMatchObject({ type: 'counts', done: true });
    const summary = await caller.bulks.summary({ id: bulk.id });
    expect(summary.bulk.counts).toEqual({ pending: 0, running: 0, ok: 0, error: 6 });
    expect(summary.reasons).toEqual([{ reason: 'nonzero_exit', count: 6 }]);
    // Each device printed its own uname line: six groups, each of a failed run.
    expect(summary.outputs.map((g) => g.status)).toEqual(Array(6).fill('error'));
    const runs = await api.repos.runs.list({ bulkId: bulk.id, limit: 100 });
    expect(runs.items.map((r) => [r.status, r.errorReason, r.exitCode])).toEqual(
      Array(6).fill(['error', 'nonzero_exit', 3]),
    );
    const retried = await caller.bulks.retryFailed({ id: bulk.id });
    expect(retried.runs).toBe(6);
    await follow({ id: bulk.id });
    expect((await caller.bulks.byId({ id: bulk.id })).counts.error).toBe(6);
  }, 60_000);

  it('refuses a target matching more devices than a bulk takes, keeping nothing', async () => {
    const small = new BulksService(api.store, api.services.hub.bulks, api.services.logger, 3);
    const { id } = await api.make.user({ role: 'operator' });
    const user = await api.repos.users.get(id);
    const before = await api.db.rows<{ n: number }>('SELECT count(*)::int AS n FROM runs');
    const refused = small.create(
      { user, via: 'session', readOnly: false },
      { target: { type: 'filter', filter: { tags: ['lab=devsim'] } }, command: 'show clock' },
    );
    await expect(refused).rejects.toThrow(ValidationError);
    await expect(refused).rejects.toThrow('the target matches 200 devices; a bulk takes at most 3');
    expect(await api.db.rows('SELECT count(*)::int AS n FROM runs')).toEqual(before);
  });

  it('does not retry a bulk whose template was disabled since', async () => {
    const template = await api.make.template({ body: 'show clock', mode: 'read', variables: {} });
    const target = {
      type: 'devices' as const,
      deviceIds: [devices.get(failing[0] ?? '')?.id ?? 0],
    };
    const bulk = await caller.bulks.create({ target, templateId: template.id });
    await follow({ id: bulk.id });
    await api.repos.templates.update(template.id, { enabled: false });
    const error = await caller.bulks.retryFailed({ id: bulk.id }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'PRECONDITION_FAILED' });
    expect((error as Error).message).toMatch(/disabled/);
  });

  it('cancel ends every pending run at once and stops the running ones', async () => {
    const bulk = await caller.bulks.create({
      target: { type: 'filter', filter: { tags: ['lab=devsim'] } },
      command: 'sleep 20',
    });
    // Wait until the workers are busy with the first runs.
    for (let i = 0; i < 100; i++) {
      const counts = (await caller.bulks.byId({ id: bulk.id })).counts;
      if (counts.running >= 40) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const canceledAt = Date.now();
    const result = await caller.bulks.cancel({ id: bulk.id });
    const [queued] = await api.db.rows<{ n: number }>(
      `SELECT count(*)::int AS n FROM graphile_worker.jobs j JOIN runs r ON j.key = 'run:' || r.id
       WHERE r.bulk_id = $1 AND r.status = 'error' AND j.locked_at IS NULL`,
      [bulk.id],
    );
    expect(queued?.n).toBe(0);
    expect(result.canceledPending).toBeGreaterThan(100);
    expect(result.stopping).toBeGreaterThan(0);
    expect(result.bulk.counts.pending).toBe(0);
    const events = await follow({ id: bulk.id });
    expect(events.at(-1)?.event).toMatchObject({ type: 'counts', done: true });
    expect(Date.now() - canceledAt).toBeLessThan(5000);

    const summary = await caller.bulks.summary({ id: bulk.id });
    expect(summary.bulk.counts).toEqual({ pending: 0, running: 0, ok: 0, error: 200 });
    expect(summary.bulk.canceledAt).not.toBeNull();
    // Every run ended as canceled, but for faulty devices that had already failed.
    const canceled = summary.reasons.find((r) => r.reason === 'canceled')?.count ?? 0;
    expect(canceled).toBeGreaterThanOrEqual(200 - failing.length);
    // The canceled runs' jobs were taken off the queue with them.
    const [left] = await api.db.rows<{ n: number }>(
      `SELECT count(*)::int AS n FROM graphile_worker.jobs j JOIN runs r ON j.key = 'run:' || r.id
       WHERE r.bulk_id = $1 AND j.locked_at IS NULL`,
      [bulk.id],
    );
    expect(left?.n).toBe(0);
  }, 60_000);
});
