/**
 * Fan-out benchmark: NetAuto end to end against a bare ssh2 loop, in the same run.
 *
 *  1. 500 simulated linux devices, one command each (`uname -a`), 50 at a time:
 *     (a) NetAuto: runs created through the API with @netauto/client, executed by a
 *         netauto-worker process, until every run is finished and its output stored;
 *     (b) a bare ssh2 loop with the same concurrency and command.
 *     Devices per second for both and the ratio (target: at least 60%). Then the same
 *     fan-out started as one bulk (bulks.create), against a second bare round.
 *  2. One device printing 200 MiB, stored and followed live by a subscriber through the
 *     API's output stream (followOutput), against a bare ssh2 read (target: at least
 *     50%), with the worker process's peak memory (target: under 300 MB).
 *
 *   pnpm bench:fanout
 *
 * Knobs: BENCH_DEVICES (500), BENCH_CONCURRENCY (50), BENCH_READ_MIB (200). The worker
 * runs with per-site and global quotas raised to the concurrency, so that the quota is
 * not what is measured. It prints figures only.
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { followOutput } from '@netauto/client';
import { fleet, startLab } from '@netauto/devsim';
import {
  bareExec,
  benchApi,
  startWorkerProcess,
  stopWorkerProcess,
  cpuReading,
  intFromEnv,
  pool,
  runBenchmark,
  throwawayDatabase,
} from './common.js';

const DEVICES = intFromEnv('BENCH_DEVICES', 500);
const CONCURRENCY = intFromEnv('BENCH_CONCURRENCY', 50);
const READ_MIB = intFromEnv('BENCH_READ_MIB', 200);
const COMMAND = 'uname -a';
const PASSWORD = 'netops-pass';

/** Peak resident memory of a process, from Linux's /proc (VmHWM), in MiB. */
function peakRssMiB(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('VmHWM:'));
  return Number(/(\d+)/.exec(line ?? '')?.[1] ?? 0) / 1024;
}

async function main() {
  console.log(
    `fan-out benchmark: ${DEVICES} devices, concurrency ${CONCURRENCY}, read ${READ_MIB} MiB`,
  );
  const database = await throwawayDatabase('bench_fanout');
  const { db, url } = database;

  const readBytes = READ_MIB * 1024 * 1024;
  const lab = await startLab({
    devices: [
      ...fleet({ count: DEVICES, platforms: ['linux'], faults: 0, seed: 'fanout' }),
      { hostname: 'bulk-reader', platform: 'linux', site: 'reader' },
    ],
  });
  const { api, url: apiUrl, token, stop: stopApi } = await benchApi(db);
  const worker = startWorkerProcess(url, {
    NETAUTO_DEVSIM_PASSWORD: PASSWORD,
    NETAUTO_DEVSIM_ALLOW: '127.0.0.0/8,::1',
    NETAUTO_WORKER_CONCURRENCY: String(CONCURRENCY),
    NETAUTO_QUOTA_GLOBAL: String(CONCURRENCY),
    NETAUTO_QUOTA_SITE: String(CONCURRENCY),
    NETAUTO_OUTPUT_MAX_BYTES: String(readBytes * 2),
    NETAUTO_COMMAND_TIMEOUT_MS: '600000',
  });

  try {
    const inventory = JSON.parse(lab.inventory('json')) as Parameters<
      typeof api.devices.import.mutate
    >[0]['devices'];
    const imported = await api.devices.import.mutate({ devices: inventory });
    const ids = imported.ids;
    const readerId = ids.at(-1) ?? 0;
    const fanoutIds = ids.slice(0, -1);
    const devices = lab.devices.filter((d) => d.spec.hostname !== 'bulk-reader');

    /** Waits until `count` runs matching `where` have finished. */
    const waitUntilFinished = async (where: string, bind: unknown[], count: number) => {
      for (;;) {
        const [row] = await db.rows<{ n: number }>(
          `SELECT count(*)::int AS n FROM runs WHERE ${where} AND status IN ('ok', 'error')`,
          bind,
        );
        if ((row?.n ?? 0) >= count) return;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    };

    // 1. Fan-out: bare loop first, then NetAuto (the devices' host keys are new to both).
    let cpu = cpuReading(worker.pid);
    let t = performance.now();
    await pool(devices, CONCURRENCY, (d) => bareExec(d, COMMAND, PASSWORD, () => undefined));
    const bare = devices.length / ((performance.now() - t) / 1000);
    const bareCpu = (cpuReading(worker.pid).self - cpu.self) / devices.length;

    cpu = cpuReading(worker.pid);
    t = performance.now();
    const runIds: number[] = [];
    for (let i = 0; i < fanoutIds.length; i += 100) {
      const batch = fanoutIds.slice(i, i + 100);
      const runs = await Promise.all(
        batch.map((deviceId) => api.runs.create.mutate({ deviceId, command: COMMAND })),
      );
      runIds.push(...runs.map((r) => r.id));
    }
    await waitUntilFinished(`id = ANY($1::int[])`, [runIds], runIds.length);
    const netauto = runIds.length / ((performance.now() - t) / 1000);
    const after = cpuReading(worker.pid);
    const perRun = (k: keyof typeof cpu) => (after[k] - cpu[k]) / runIds.length;
    const runCpu = { worker: perRun('worker'), postgres: perRun('postgres'), self: perRun('self') };
    const [bad] = await db.rows<{ n: number }>(
      `SELECT count(*)::int AS n FROM runs WHERE id = ANY($1::int[]) AND status <> 'ok'`,
      [runIds],
    );

    // 1b. The same fan-out as an operator would start it: one bulk over the devices,
    //     against a second bare round (both now meet known host keys).
    t = performance.now();
    await pool(devices, CONCURRENCY, (d) => bareExec(d, COMMAND, PASSWORD, () => undefined));
    const bareAgain = devices.length / ((performance.now() - t) / 1000);
    t = performance.now();
    const bulk = await api.bulks.create.mutate({
      target: { type: 'devices', deviceIds: fanoutIds },
      command: COMMAND,
    });
    await waitUntilFinished(`bulk_id = $1`, [bulk.id], fanoutIds.length);
    const viaBulk = fanoutIds.length / ((performance.now() - t) / 1000);

    // 2. Read rate: a bare read, then a run followed live through the API to its end.
    const reader = lab.device('bulk-reader');
    const readCommand = `yes | head -c ${readBytes}`;
    let got = 0;
    cpu = cpuReading(worker.pid);
    t = performance.now();
    await bareExec(reader, readCommand, PASSWORD, (n) => {
      got += n;
    });
    const bareRate = READ_MIB / ((performance.now() - t) / 1000);
    const bareReadCpu = (cpuReading(worker.pid).self - cpu.self) / READ_MIB;
    if (got !== readBytes) throw new Error(`bare read ${got} bytes`);

    cpu = cpuReading(worker.pid);
    t = performance.now();
    const run = await api.runs.create.mutate({ deviceId: readerId, command: readCommand });
    let followed = 0;
    let storedAt = 0;
    const stored = (async () => {
      for (;;) {
        const [row] = await db.rows<{ status: string }>('SELECT status FROM runs WHERE id = $1', [
          run.id,
        ]);
        if (row?.status === 'ok' || row?.status === 'error') break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      storedAt = performance.now();
    })();
    for await (const event of followOutput({ url: apiUrl, token }, run.id)) {
      if (event.type === 'chunk') followed += Buffer.byteLength(event.data);
    }
    const followRate = READ_MIB / ((performance.now() - t) / 1000);
    const readEnd = cpuReading(worker.pid);
    const perMiB = (k: keyof typeof cpu) => (readEnd[k] - cpu[k]) / READ_MIB;
    const readCpu = {
      worker: perMiB('worker'),
      postgres: perMiB('postgres'),
      self: perMiB('self'),
    };
    await stored;
    const storeRate = READ_MIB / ((storedAt - t) / 1000);
    const peak = worker.pid ? peakRssMiB(worker.pid) : 0;

    const fanoutRatio = netauto / bare;
    const readRatio = followRate / bareRate;
    console.log('');
    console.log('measure                          bare ssh2     NetAuto   ratio  target  met');
    console.log(
      `fan-out (devices/s)             ${bare.toFixed(1).padStart(10)} ${netauto.toFixed(1).padStart(10)}  ${(fanoutRatio * 100).toFixed(0).padStart(4)}%    60%  ${fanoutRatio >= 0.6 ? 'yes' : 'NO'}`,
    );
    const bulkRatio = viaBulk / bareAgain;
    console.log(
      `fan-out as one bulk (devices/s) ${bareAgain.toFixed(1).padStart(10)} ${viaBulk.toFixed(1).padStart(10)}  ${(bulkRatio * 100).toFixed(0).padStart(4)}%    60%  ${bulkRatio >= 0.6 ? 'yes' : 'NO'}`,
    );
    console.log(
      `${`${READ_MIB} MiB stored and followed`.padEnd(32)}${bareRate.toFixed(1).padStart(10)} ${followRate.toFixed(1).padStart(10)}  ${(readRatio * 100).toFixed(0).padStart(4)}%    50%  ${readRatio >= 0.5 ? 'yes' : 'NO'}  (MiB/s)`,
    );
    console.log(`${READ_MIB} MiB stored (run finished): ${storeRate.toFixed(1)} MiB/s`);
    const total = runCpu.worker + runCpu.postgres + runCpu.self;
    console.log(
      `CPU per device (ms): bare ${bareCpu.toFixed(2)} (client and device); NetAuto ${total.toFixed(2)} = worker ${runCpu.worker.toFixed(2)} + PostgreSQL ${runCpu.postgres.toFixed(2)} + API, client and device ${runCpu.self.toFixed(2)}`,
    );
    const readTotal = readCpu.worker + readCpu.postgres + readCpu.self;
    console.log(
      `CPU per MiB read (ms): bare ${bareReadCpu.toFixed(2)} (client and device); NetAuto ${readTotal.toFixed(2)} = worker ${readCpu.worker.toFixed(2)} + PostgreSQL ${readCpu.postgres.toFixed(2)} + API, follower and device ${readCpu.self.toFixed(2)}`,
    );
    console.log(
      `worker peak memory: ${peak.toFixed(0)} MiB (target < 300 MiB: ${peak < 300 ? 'yes' : 'NO'})`,
    );
    console.log(`runs not ok: ${bad?.n ?? 0}; bytes followed: ${followed} of ${readBytes}`);
  } finally {
    await stopWorkerProcess(worker);
    await stopApi();
    await lab.stop();
    await database.stop();
  }
}

runBenchmark(main);
