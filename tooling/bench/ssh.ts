/**
 * SSH benchmark: NetAuto's device access (`DeviceAccess.execute`) against a bare ssh2
 * loop doing the same work, in the same run, on the same simulated devices.
 *
 *  1. Fan-out: 500 devsim linux devices, one command each (`uname -a`), 50 at a time.
 *     Devices per second for both, and the ratio (target: at least 85% of the bare loop).
 *  2. Read rate: one device printing 200 MiB (`yes | head -c N`), read through both
 *     (target: at least 80% of the bare loop).
 *
 *   pnpm bench:ssh
 *
 * Knobs: BENCH_DEVICES (500), BENCH_CONCURRENCY (50), BENCH_READ_MIB (200),
 * BENCH_ROUNDS (2; the best round of each side counts). It prints figures only.
 */
import { performance } from 'node:perf_hooks';
import { fleet, startLab, type SimDevice } from '@netauto/devsim';
import { DeviceAccess, type DeviceTarget, HostKeys, Secrets } from '@netauto/device-access';
import { bareExec, intFromEnv, pool, runBenchmark, throwawayDatabase } from './common.js';

const DEVICES = intFromEnv('BENCH_DEVICES', 500);
const CONCURRENCY = intFromEnv('BENCH_CONCURRENCY', 50);
const READ_MIB = intFromEnv('BENCH_READ_MIB', 200);
const ROUNDS = intFromEnv('BENCH_ROUNDS', 2);
const COMMAND = 'uname -a';
const PASSWORD = 'netops-pass';

function target(device: SimDevice): DeviceTarget {
  return {
    hostname: device.spec.hostname,
    ip: device.host,
    port: device.port,
    protocol: 'ssh',
    platform: 'linux',
    username: device.spec.username,
    credRef: 'env:DEVSIM',
    site: device.spec.site,
  };
}

function fmt(n: number, digits = 1): string {
  return n.toFixed(digits);
}

async function main() {
  console.log(
    `SSH benchmark: ${DEVICES} devices, concurrency ${CONCURRENCY}, read ${READ_MIB} MiB`,
  );
  const database = await throwawayDatabase('bench_ssh');
  const db = database.db;

  const specs = fleet({ count: DEVICES, platforms: ['linux'], faults: 0, seed: 'bench' });
  const readBytes = READ_MIB * 1024 * 1024;
  const lab = await startLab({
    devices: [...specs, { hostname: 'bulk-reader', platform: 'linux' }],
  });
  const devices = lab.devices.filter((d) => d.spec.hostname !== 'bulk-reader');
  const reader = lab.device('bulk-reader');
  const access = new DeviceAccess(
    new Secrets(db, {
      env: { NETAUTO_DEVSIM_PASSWORD: PASSWORD, NETAUTO_DEVSIM_ALLOW: '127.0.0.0/8,::1' },
    }),
    new HostKeys(db, 'tofu'),
    { connectMs: 30_000, commandMs: 120_000, maxBytes: readBytes * 2, telnet: false },
  );

  try {
    // Fan-out.
    const best = { bare: 0, netauto: 0 };
    for (let round = 1; round <= ROUNDS; round++) {
      let t = performance.now();
      await pool(devices, CONCURRENCY, (d) => bareExec(d, COMMAND, PASSWORD, () => undefined));
      const bare = devices.length / ((performance.now() - t) / 1000);
      t = performance.now();
      await pool(devices, CONCURRENCY, async (d) => {
        await access.execute(target(d), COMMAND);
      });
      const netauto = devices.length / ((performance.now() - t) / 1000);
      console.log(
        `  round ${round}: bare ssh2 ${fmt(bare)} devices/s, NetAuto ${fmt(netauto)} devices/s`,
      );
      best.bare = Math.max(best.bare, bare);
      best.netauto = Math.max(best.netauto, netauto);
    }
    const fanoutRatio = best.netauto / best.bare;

    // Read rate.
    const readCommand = `yes | head -c ${readBytes}`;
    const rate = { bare: 0, netauto: 0 };
    for (let round = 1; round <= ROUNDS; round++) {
      let got = 0;
      let t = performance.now();
      await bareExec(reader, readCommand, PASSWORD, (n) => {
        got += n;
      });
      if (got !== readBytes) throw new Error(`bare read ${got} bytes, expected ${readBytes}`);
      const bare = READ_MIB / ((performance.now() - t) / 1000);
      t = performance.now();
      const result = await access.execute(target(reader), readCommand, {
        onChunk: () => undefined,
      });
      if (result.bytes !== readBytes) throw new Error(`NetAuto read ${result.bytes} bytes`);
      const netauto = READ_MIB / ((performance.now() - t) / 1000);
      console.log(
        `  read round ${round}: bare ssh2 ${fmt(bare)} MiB/s, NetAuto ${fmt(netauto)} MiB/s`,
      );
      rate.bare = Math.max(rate.bare, bare);
      rate.netauto = Math.max(rate.netauto, netauto);
    }
    const readRatio = rate.netauto / rate.bare;

    console.log('');
    console.log('measure                      bare ssh2    NetAuto   ratio   target   met');
    console.log(
      `fan-out (devices/s)         ${fmt(best.bare).padStart(10)} ${fmt(best.netauto).padStart(10)}   ${fmt(fanoutRatio * 100, 0).padStart(4)}%    85%   ${fanoutRatio >= 0.85 ? 'yes' : 'NO'}`,
    );
    console.log(
      `read rate (MiB/s)           ${fmt(rate.bare).padStart(10)} ${fmt(rate.netauto).padStart(10)}   ${fmt(readRatio * 100, 0).padStart(4)}%    80%   ${readRatio >= 0.8 ? 'yes' : 'NO'}`,
    );
  } finally {
    await lab.stop();
    await database.stop();
  }
}

runBenchmark(main);
