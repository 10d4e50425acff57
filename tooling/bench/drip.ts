/**
 * Drip latency benchmark: how long a line takes from a device to a subscriber of the API.
 *
 * 100 simulated linux devices each run `ping -D -c 40 -i 0.05 <own name>` at once: one
 * line every 50 ms for 2 s, each stamped by the device with the wall-clock time it was
 * written. Runs are created through the API with @netauto/client and executed by a
 * netauto-worker process; each run is followed from the moment it is created, through
 * its output stream (followOutput, the default) or over SSE (`runs.onOutput`, as the
 * web UI does: BENCH_DRIP_VIA=sse). Every received line's latency is the subscriber's clock minus the stamp
 * (the devices run in this process: one clock). Target: p99 under 100 ms.
 *
 * Where the time goes, per line: device → stored (the chunk's run_chunks.created_at, when
 * the worker's INSERT began), stored → announced (the NOTIFY for it reaching a listener
 * in this process, as it reaches the API's) and announced → subscriber (the API reading
 * the chunk and sending it, the client parsing it). Also the event-loop delay of
 * this process, which hosts the devices, the API and the subscribers, and the CPU time of
 * this process, the worker and PostgreSQL, with the machine's load average.
 *
 *   pnpm bench:drip
 *
 * Knobs: BENCH_DRIP_RUNS (100), BENCH_DRIP_LINES (40), BENCH_DRIP_INTERVAL_MS (50),
 * BENCH_DRIP_VIA (stream or sse). The
 * worker runs with concurrency and quotas raised to the number of runs, so that all of
 * them run at once. It prints figures only.
 */
import os from 'node:os';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { followOutput } from '@netauto/client';
import { OUTPUT_CHANNEL } from '@netauto/db';
import { fleet, startLab } from '@netauto/devsim';
import pg from 'pg';
import {
  benchApi,
  cpuReading,
  intFromEnv,
  runBenchmark,
  startWorkerProcess,
  stopWorkerProcess,
  throwawayDatabase,
} from './common.js';

const RUNS = intFromEnv('BENCH_DRIP_RUNS', 100);
const LINES = intFromEnv('BENCH_DRIP_LINES', 40);
const INTERVAL_MS = intFromEnv('BENCH_DRIP_INTERVAL_MS', 50);
const TARGET_P99_MS = 100;
/** How subscribers follow: `stream` (followOutput) or `sse` (runs.onOutput, as the web UI does). */
const VIA = process.env.BENCH_DRIP_VIA === 'sse' ? 'sse' : 'stream';
const PASSWORD = 'netops-pass';
const STAMP = /^\[(\d+)\.(\d{6})\] /;

/** One received line: the device's stamp, when the subscriber had it, and its chunk. */
interface Sample {
  runId: number;
  seq: number;
  stampMs: number;
  receivedMs: number;
}

/** The value below which a share `p` of the sorted values fall (nearest rank). */
function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] ?? 0;
}

function row(label: string, values: number[]): string {
  const sorted = [...values].sort((a, b) => a - b);
  const cells = [0.5, 0.9, 0.99].map((p) => percentile(sorted, p));
  cells.push(sorted.at(-1) ?? Number.NaN);
  return `${label.padEnd(24)}${cells.map((v) => v.toFixed(1).padStart(9)).join('')}`;
}

async function main() {
  const seconds = ((LINES - 1) * INTERVAL_MS) / 1000;
  const command = (host: string) =>
    `ping -D -c ${LINES} -i ${(INTERVAL_MS / 1000).toString()} ${host}`;
  console.log(
    `drip latency benchmark: ${RUNS} runs at once, each ${command('<host>')} (${LINES} lines over ${seconds.toFixed(2)} s), followed ${VIA === 'sse' ? 'over SSE (runs.onOutput)' : 'through the output stream (followOutput)'}`,
  );
  const database = await throwawayDatabase('bench_drip');
  const { db, url } = database;
  const lab = await startLab({
    devices: fleet({ count: RUNS, platforms: ['linux'], faults: 0, seed: 'drip' }),
  });
  const { api, url: apiUrl, token, stop: stopApi } = await benchApi(db);
  const worker = startWorkerProcess(url, {
    NETAUTO_DEVSIM_PASSWORD: PASSWORD,
    NETAUTO_DEVSIM_ALLOW: '127.0.0.0/8,::1',
    NETAUTO_WORKER_CONCURRENCY: String(RUNS),
    NETAUTO_QUOTA_GLOBAL: String(RUNS),
    NETAUTO_QUOTA_SITE: String(RUNS),
  });

  try {
    const inventory = JSON.parse(lab.inventory('json')) as { hostname: string }[];
    const { ids } = await api.devices.import.mutate({ devices: inventory });

    // When each chunk's announcement reaches a listener in this process (as it reaches the
    // API's): the notifications name a run and the last seq stored.
    const notified = new Map<string, number>();
    const lastNotified = new Map<number, number>();
    const listener = new pg.Client({ connectionString: url });
    await listener.connect();
    listener.on('notification', (note) => {
      const at = Date.now();
      const [run, last] = (note.payload ?? '').split(':').map(Number);
      if (run === undefined || last === undefined || !Number.isInteger(last)) return;
      for (let seq = (lastNotified.get(run) ?? -1) + 1; seq <= last; seq++) {
        notified.set(`${run}:${seq}`, at);
      }
      lastNotified.set(run, Math.max(last, lastNotified.get(run) ?? -1));
    });
    await listener.query(`LISTEN ${OUTPUT_CHANNEL}`);

    const loopDelay = monitorEventLoopDelay({ resolution: 5 });
    loopDelay.enable();
    const cpuBefore = cpuReading(worker.pid);
    const loadBefore = os.loadavg()[0] ?? 0;
    const started = performance.now();
    const samples: Sample[] = [];
    const unstamped: string[] = [];
    /** Takes a chunk as its subscriber got it: a line may span chunks and counts at its end. */
    const taker = (runId: number) => {
      let carry = '';
      return (seq: number, data: string) => {
        const receivedMs = Date.now();
        const lines = (carry + data).split('\n');
        carry = lines.pop() ?? '';
        for (const line of lines) {
          const m = STAMP.exec(line);
          if (m) {
            const stampMs = Number(m[1]) * 1000 + Number(m[2]) / 1000;
            samples.push({ runId, seq, stampMs, receivedMs });
          } else if (line.includes('icmp_seq=')) unstamped.push(line);
        }
      };
    };
    const follow = async (runId: number): Promise<void> => {
      const take = taker(runId);
      if (VIA === 'stream') {
        for await (const event of followOutput({ url: apiUrl, token }, runId)) {
          if (event.type === 'chunk') take(event.seq, event.data);
        }
        return;
      }
      await new Promise<void>((resolve, reject) => {
        const sub = api.runs.onOutput.subscribe(
          { runId },
          {
            onData: ({ data }) => {
              if (data.type === 'end') {
                sub.unsubscribe();
                resolve();
              } else take(data.seq, data.data);
            },
            onError: reject,
          },
        );
      });
    };
    // Each run is followed as soon as it exists, before its worker has connected.
    const followed = await Promise.all(
      ids.map(async (deviceId, i) => {
        const run = await api.runs.create.mutate({
          deviceId,
          command: command(inventory[i]?.hostname ?? ''),
        });
        return { runId: run.id, done: follow(run.id) };
      }),
    );
    const deadline = LINES * INTERVAL_MS + 120_000;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(followed.map((f) => f.done)),
      new Promise((_, reject) => {
        timer = setTimeout(() => {
          reject(new Error(`runs not followed to their end within ${deadline} ms`));
        }, deadline);
      }),
    ]);
    clearTimeout(timer);
    const wallSeconds = (performance.now() - started) / 1000;
    loopDelay.disable();
    const cpuAfter = cpuReading(worker.pid);
    await listener.end();
    const runIds = followed.map((f) => f.runId);

    // Where the time goes: when each chunk was stored (its INSERT's start).
    const stored = new Map<string, number>();
    for (const r of await db.rows<{ run_id: number; seq: number; ms: number }>(
      `SELECT run_id, seq, extract(epoch FROM created_at)::float8 * 1000 AS ms
         FROM run_chunks WHERE run_id = ANY($1::int[])`,
      [runIds],
    )) {
      stored.set(`${r.run_id}:${r.seq}`, r.ms);
    }
    const [runStats] = await db.rows<{ bad: number; chunks: number }>(
      `SELECT count(*) FILTER (WHERE status <> 'ok')::int AS bad, sum(chunks)::int AS chunks
         FROM runs WHERE id = ANY($1::int[])`,
      [runIds],
    );

    const total = samples.map((s) => s.receivedMs - s.stampMs);
    const toStored: number[] = [];
    const toNotified: number[] = [];
    const toSubscriber: number[] = [];
    for (const s of samples) {
      const at = stored.get(`${s.runId}:${s.seq}`);
      const note = notified.get(`${s.runId}:${s.seq}`);
      if (at === undefined || note === undefined) continue;
      toStored.push(at - s.stampMs);
      toNotified.push(note - at);
      toSubscriber.push(s.receivedMs - note);
    }
    const p99 = percentile(
      [...total].sort((a, b) => a - b),
      0.99,
    );

    console.log('');
    console.log(`${'latency (ms)'.padEnd(24)}      p50      p90      p99      max`);
    console.log(row('device → subscriber', total));
    console.log(row('  device → stored', toStored));
    console.log(row('  stored → announced', toNotified));
    console.log(row('  announced → subscriber', toSubscriber));
    const ms = (ns: number) => (ns / 1e6).toFixed(1);
    console.log(
      `event loop delay of this process (devices, API, subscribers): p50 ${ms(loopDelay.percentile(50))}, p99 ${ms(loopDelay.percentile(99))}, max ${ms(loopDelay.max)} ms`,
    );
    const cpu = (k: keyof typeof cpuAfter) => ((cpuAfter[k] - cpuBefore[k]) / 1000).toFixed(1);
    console.log(
      `CPU seconds over ${wallSeconds.toFixed(1)} s on ${String(os.availableParallelism())} cores: this process ${cpu('self')}, worker ${cpu('worker')}, PostgreSQL ${cpu('postgres')}` +
        ` (machine load average ${loadBefore.toFixed(1)} before, ${(os.loadavg()[0] ?? 0).toFixed(1)} after)`,
    );
    console.log('');
    console.log(
      `samples: ${total.length} of ${RUNS * LINES} lines` +
        (unstamped.length > 0 ? ` (${unstamped.length} replies without a stamp)` : '') +
        `; chunks stored: ${runStats?.chunks ?? 0} (${((runStats?.chunks ?? 0) / RUNS).toFixed(1)} a run); ` +
        `runs not ok: ${runStats?.bad ?? 0}`,
    );
    console.log(
      `target: p99 under ${TARGET_P99_MS} ms over ${RUNS} concurrent runs: ${p99 < TARGET_P99_MS && total.length === RUNS * LINES ? 'yes' : 'NO'}`,
    );
  } finally {
    await stopWorkerProcess(worker);
    await stopApi();
    await lab.stop();
    await database.stop();
  }
}

runBenchmark(main);
