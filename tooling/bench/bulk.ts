/**
 * Bulk benchmark, through the API over HTTP with @netauto/client:
 *
 *  1. Creating a bulk over 10,000 devices: the time `bulks.create` takes to answer, when
 *     every run is recorded as pending and queued (no worker runs meanwhile), a few
 *     times; and cancelling such a bulk.
 *  2. A bulk over 1,000 simulated devices run by in-process workers, followed live with
 *     `bulks.onProgress` (SSE): how long after a run ends in the database its event
 *     reaches the subscriber (p50, p95, p99, max), and the bulk's total time.
 *
 *   pnpm bench:bulk
 *
 * Knobs: BENCH_BULK_DEVICES (10000), BENCH_BULK_REPEAT (3), BENCH_DEVICES (1000),
 * BENCH_CONCURRENCY (50; the quotas are raised to it). It prints figures only.
 */
import { performance } from 'node:perf_hooks';
import { loadConfig } from '@netauto/config';
import { fleet, startLab } from '@netauto/devsim';
import { createDeviceAccess } from '@netauto/device-access';
import { createLogger } from '@netauto/observability';
import { startWorkers } from '@netauto/worker';
import { benchApi, intFromEnv, runBenchmark, throwawayDatabase } from './common.js';

const BULK_DEVICES = intFromEnv('BENCH_BULK_DEVICES', 10_000);
const REPEAT = intFromEnv('BENCH_BULK_REPEAT', 3);
const DEVICES = intFromEnv('BENCH_DEVICES', 1000);
const CONCURRENCY = intFromEnv('BENCH_CONCURRENCY', 50);

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

async function main() {
  console.log(
    `bulk benchmark: create over ${BULK_DEVICES} devices (x${REPEAT}), progress over ${DEVICES} simulated devices at concurrency ${CONCURRENCY}`,
  );
  const database = await throwawayDatabase('bench_bulk');
  const { db, url } = database;
  const { api, stop: stopApi } = await benchApi(db, { logger: createLogger({ level: 'warn' }) });
  const lab = await startLab({
    devices: fleet({ count: DEVICES, platforms: ['linux'], faults: 0, seed: 'bulk-bench' }),
  });
  try {
    // 1. Creating big bulks: devices straight into the table, then bulks.create over HTTP.
    await db.rows(
      `INSERT INTO devices (hostname, ip, username, cred_ref, site, platform)
       SELECT 'big-' || g, '10.0.0.0'::inet + g, 'netops', 'env:DEVSIM', 'big', 'cisco_ios'
       FROM generate_series(1, $1::int) g`,
      [BULK_DEVICES],
    );
    const createMs: number[] = [];
    const cancelMs: number[] = [];
    for (let i = 0; i < REPEAT; i++) {
      let t = performance.now();
      const bulk = await api.bulks.create.mutate({
        target: { type: 'filter', filter: { site: 'big' } },
        command: 'show version',
      });
      createMs.push(performance.now() - t);
      const [row] = await db.rows<{ runs: number; jobs: number }>(
        `SELECT (SELECT count(*) FROM runs WHERE bulk_id = $1 AND status = 'pending')::int AS runs,
           (SELECT count(*) FROM graphile_worker.jobs)::int AS jobs`,
        [bulk.id],
      );
      if (row?.runs !== BULK_DEVICES || row.jobs !== BULK_DEVICES) {
        throw new Error(
          `expected ${BULK_DEVICES} pending runs and jobs, got ${JSON.stringify(row)}`,
        );
      }
      t = performance.now();
      await api.bulks.cancel.mutate({ id: bulk.id });
      cancelMs.push(performance.now() - t);
    }
    const fmt = (ms: number[]) => ms.map((m) => `${(m / 1000).toFixed(2)} s`).join(', ');
    console.log(`create a bulk of ${BULK_DEVICES} runs, all pending and queued: ${fmt(createMs)}`);
    console.log(`cancel it (every run pending): ${fmt(cancelMs)}`);

    // 2. Progress latency over a bulk of simulated devices run by workers in this process.
    const inventory = JSON.parse(lab.inventory('json')) as Parameters<
      typeof api.devices.import.mutate
    >[0]['devices'];
    await api.devices.import.mutate({ devices: inventory });
    const workers = await startWorkers({
      db,
      access: createDeviceAccess(
        db,
        loadConfig({
          NETAUTO_DEVSIM_PASSWORD: 'netops-pass',
          NETAUTO_DEVSIM_ALLOW: '127.0.0.0/8,::1',
        }),
      ),
      url,
      concurrency: CONCURRENCY,
      quota: { global: CONCURRENCY, perSite: CONCURRENCY },
    });
    try {
      const received = new Map<number, number>();
      const started = performance.now();
      const startedAt = Date.now();
      const bulk = await api.bulks.create.mutate({
        target: { type: 'filter', filter: { tags: ['lab=devsim'] } },
        command: 'uname -a',
      });
      let events = 0;
      await new Promise<void>((resolve, reject) => {
        const sub = api.bulks.onProgress.subscribe(
          { id: bulk.id },
          {
            onData: ({ data }) => {
              events += 1;
              if (data.type === 'device' && (data.status === 'ok' || data.status === 'error')) {
                received.set(data.runId, Date.now());
              }
              if (data.type === 'counts' && data.done) {
                sub.unsubscribe();
                resolve();
              }
            },
            onError: reject,
          },
        );
      });
      const seconds = (performance.now() - started) / 1000;
      const rows = await db.rows<{ id: number; finished: number; status: string }>(
        `SELECT id, (extract(epoch FROM finished_at) * 1000)::float8 AS finished, status
         FROM runs WHERE bulk_id = $1`,
        [bulk.id],
      );
      const latencies = rows
        .map((r) => (received.get(r.id) ?? NaN) - r.finished)
        .filter(Number.isFinite)
        .sort((a, b) => a - b);
      const failed = rows.filter((r) => r.status !== 'ok').length;
      console.log(
        `bulk of ${rows.length} simulated devices: ${seconds.toFixed(2)} s (${(rows.length / seconds).toFixed(0)} devices/s), ${failed} failed, ${events} progress events, first run finished ${(Math.min(...rows.map((r) => r.finished)) - startedAt).toFixed(0)} ms after the request`,
      );
      console.log(
        `progress latency (run finished in the database -> event at the subscriber), ${latencies.length} runs: p50 ${percentile(latencies, 50).toFixed(0)} ms, p95 ${percentile(latencies, 95).toFixed(0)} ms, p99 ${percentile(latencies, 99).toFixed(0)} ms, max ${(latencies.at(-1) ?? NaN).toFixed(0)} ms`,
      );
    } finally {
      await workers.stop();
    }
  } finally {
    await stopApi();
    await lab.stop();
    await database.stop();
  }
}

runBenchmark(main);
