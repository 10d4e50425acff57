import { OUTPUT_CHANNEL, repositories } from '@netauto/db';
import { factories } from '@netauto/db/testing';
import { commandOutput, startLab, type SimDeviceSpec } from '@netauto/devsim';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { executeRun } from '../src/run-job.js';
import { useTestDatabase } from './db.js';
import { inventoryOf, labAccess } from './lab.js';

const specs: SimDeviceSpec[] = [
  { hostname: 'exec-ios', platform: 'cisco_ios', runningConfigLines: 400 },
  { hostname: 'exec-linux', platform: 'linux' },
  { hostname: 'exec-drip', platform: 'cisco_ios', faults: { dripBytesPerSecond: 3000 } },
  { hostname: 'exec-drop', platform: 'cisco_ios', faults: { dropAfterBytes: 5000 } },
  { hostname: 'exec-bad', platform: 'cisco_ios', faults: { rejectPassword: true } },
];

describe('executing a run', async () => {
  const { db, url } = await useTestDatabase();
  const lab = await startLab({ devices: specs });
  afterAll(() => lab.stop());
  const repos = repositories(db);
  const make = factories(db);
  const access = labAccess(db);
  const deps = { db, access };

  const devices = await inventoryOf(lab, make);
  const newRun = (hostname: string, command: string) =>
    make.run({ deviceId: devices.get(hostname)?.id ?? 0, command });
  const specOf = (hostname: string) => specs.find((s) => s.hostname === hostname) as SimDeviceSpec;

  it('takes a pending run to ok, storing every byte in order, dense from seq 0', async () => {
    const run = await newRun('exec-ios', 'show running-config');
    const finished = await executeRun(deps, run.id);
    if (typeof finished === 'string') throw new Error(`not run: ${finished}`);
    expect(finished).toMatchObject({ status: 'ok', exitCode: 0, errorReason: null });
    expect(finished.startedAt).not.toBeNull();
    const expected = await commandOutput(specOf('exec-ios'), 'show running-config');
    expect(await repos.chunks.text(run.id)).toBe(expected);
    const chunks = await repos.chunks.list(run.id, -1, 1000);
    expect(chunks.map((c) => c.seq)).toEqual(chunks.map((_, i) => i));
    expect(finished.bytes).toBe(Buffer.byteLength(expected));
    // The SHA-256 of the whole output is stored with the end, as the database computes it.
    const [hashes] = await db.rows<{ stored: string; computed: string }>(
      `SELECT r.output_hash AS stored,
         (SELECT encode(sha256(convert_to(string_agg(data, '' ORDER BY seq), 'UTF8')), 'hex')
           FROM run_chunks WHERE run_id = r.id) AS computed
       FROM runs r WHERE r.id = $1`,
      [run.id],
    );
    expect(hashes?.stored).toBe(hashes?.computed);
    expect(hashes?.stored).toMatch(/^[0-9a-f]{64}$/);
  });

  it('a linux command that exits 0 is ok, with its exit code', async () => {
    const run = await newRun('exec-linux', 'true');
    expect(await executeRun(deps, run.id)).toMatchObject({
      status: 'ok',
      exitCode: 0,
      errorReason: null,
    });
  });

  it.each([
    ['false', 1, ''],
    ['exit 4', 4, ''],
    ['uname -a; exit 3', 3, 'uname -a'],
    ['frobnicate', 127, 'frobnicate'],
  ])(
    'a linux command that exits non-zero (%s) ends as error nonzero_exit, its exit code and output kept',
    async (command, exitCode, shown) => {
      const run = await newRun('exec-linux', command);
      const finished = await executeRun(deps, run.id);
      expect(finished).toMatchObject({
        status: 'error',
        errorReason: 'nonzero_exit',
        errorMessage: `the command exited with status ${exitCode}`,
        exitCode,
      });
      const expected = shown ? await commandOutput(specOf('exec-linux'), shown) : '';
      expect(await repos.chunks.text(run.id)).toBe(expected);
      expect((await repos.runs.get(run.id)).bytes).toBe(Buffer.byteLength(expected));
    },
  );

  it('slows a device that prints faster than its output is stored, losing nothing', async () => {
    const run = await newRun('exec-linux', 'yes | head -c 3000000');
    // A backlog of one chunk: the channel is paused again and again while storing.
    const finished = await executeRun({ ...deps, backlogBytes: 64 * 1024 }, run.id);
    expect(finished).toMatchObject({ status: 'ok', exitCode: 0, bytes: 3_000_000 });
    const text = await repos.chunks.text(run.id);
    expect(text).toBe('y\n'.repeat(1_500_000));
    const chunks = await repos.chunks.list(run.id, -1, 1000);
    expect(chunks.every((c) => Buffer.byteLength(c.data) <= 64 * 1024)).toBe(true);
  });

  it('stores drip output while it flows, in several batches', async () => {
    const run = await newRun('exec-drip', 'show version');
    expect(await executeRun(deps, run.id)).toMatchObject({ status: 'ok' });
    const chunks = await repos.chunks.list(run.id, -1, 1000);
    // About half a second of output, stored at least every 100 ms.
    expect(chunks.length).toBeGreaterThan(2);
    expect(chunks.map((c) => c.data).join('')).toBe(
      await commandOutput(specOf('exec-drip'), 'show version'),
    );
  });

  it('ends a failing device as error with its reason, keeping the output so far', async () => {
    const bad = await executeRun(deps, (await newRun('exec-bad', 'show version')).id);
    expect(bad).toMatchObject({ status: 'error', errorReason: 'auth_failed' });
    const dropRun = await newRun('exec-drop', 'show running-config');
    const dropped = await executeRun(deps, dropRun.id);
    expect(dropped).toMatchObject({ status: 'error', errorReason: 'connection_lost' });
    const stored = await repos.chunks.text(dropRun.id);
    expect(stored.length).toBeGreaterThan(0);
    expect(
      (await commandOutput(specOf('exec-drop'), 'show running-config')).startsWith(stored),
    ).toBe(true);
  });

  it('ends an aborted run as canceled, with its output kept', async () => {
    const run = await newRun('exec-drip', 'show running-config');
    const controller = new AbortController();
    setTimeout(() => {
      controller.abort();
    }, 600);
    const finished = await executeRun(deps, run.id, controller.signal);
    expect(finished).toMatchObject({ status: 'error', errorReason: 'canceled' });
    expect((await repos.chunks.text(run.id)).length).toBeGreaterThan(0);
  });

  it("applies a template's own command timeout", async () => {
    const template = await make.template({
      name: 'slow',
      body: 'sleep {{ s }}',
      variables: { s: { type: 'integer' } },
      commandTimeoutMs: 1000,
    });
    const run = await make.run({
      deviceId: devices.get('exec-linux')?.id ?? 0,
      command: 'sleep 5',
      templateId: template.id,
    });
    const started = Date.now();
    expect(await executeRun(deps, run.id)).toMatchObject({
      status: 'error',
      errorReason: 'command_timeout',
    });
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('leaves alone a run that is no longer pending', async () => {
    const run = await newRun('exec-ios', 'show version');
    await repos.runs.finish(run.id, { status: 'error', reason: 'canceled' });
    expect(await executeRun(deps, run.id)).toBe('not_pending');
    expect(await repos.chunks.list(run.id)).toEqual([]);
  });

  it('announces the start, stored output and the end on the output channel', async () => {
    const listener = new pg.Client({ connectionString: url });
    await listener.connect();
    const payloads: string[] = [];
    listener.on('notification', (n) => payloads.push(n.payload ?? ''));
    await listener.query(`LISTEN ${OUTPUT_CHANNEL}`);
    try {
      // Drip output is stored (and announced) while it flows; the rest comes with the end.
      const run = await newRun('exec-drip', 'show version');
      await executeRun(deps, run.id);
      await new Promise((resolve) => setTimeout(resolve, 100));
      const mine = payloads.filter((p) => p.startsWith(`${run.id}:`));
      const stored = await repos.chunks.list(run.id, -1, 1000);
      expect(mine[0]).toBe(`${run.id}:start`);
      expect(mine.at(-1)).toBe(`${run.id}:end`);
      const announced = mine.slice(1, -1).map((p) => Number(p.split(':')[1]));
      expect(announced.length).toBeGreaterThan(1);
      // Each announcement names the last chunk stored so far, in order.
      expect(announced).toEqual([...announced].sort((a, b) => a - b));
      expect(announced.every((seq) => stored.some((c) => c.seq === seq))).toBe(true);
    } finally {
      await listener.end();
    }
  });
});
