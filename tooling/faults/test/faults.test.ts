// Trust under faults, with real processes: the built web server and netauto-worker on a
// PostgreSQL of each scenario's own, running a bulk over simulated devices whose command
// prints for seconds. Whatever is stopped or killed mid-bulk, every run must end (ok or
// error), its chunks dense with runs.bytes their size, a run ended ok must hold exactly
// what its device printed, and no process the test left alone may exit.
import { freePort } from '@netauto/db';
import { startRestartablePostgres } from '@netauto/db/testing';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { query } from './postgres.js';
import { describeExit, sleep, startServer, startWorker, type Proc } from './processes.js';
import { onAbandon } from './reaper.js';
import {
  devicePrints,
  judge,
  readRuns,
  slowCommand,
  startBulk,
  startDevices,
  table,
  waitForRuns,
  settle,
  type RunRow,
  type Verdict,
} from './world.js';

/** How long PostgreSQL stays down in (a): longer than NETAUTO_WORKER_LOST_MS (5 s). */
const OUTAGE_MS = 30_000;
/** Runs at once in each netauto-worker of (b). */
const CONCURRENCY = 2;

const rows: Verdict['row'][] = [];
/** What the current scenario started, stopped in reverse order after it, pass or fail. */
let teardown: (() => Promise<unknown>)[] = [];

afterEach(async () => {
  const steps = teardown.reverse();
  teardown = [];
  const failures: unknown[] = [];
  for (const step of steps) {
    try {
      await step();
    } catch (error) {
      failures.push(error);
    }
  }
  if (failures.length > 0) throw new AggregateError(failures, 'cleaning up a scenario failed');
});

afterAll(() => {
  console.log(`\nRuns under faults (real processes):\n${table(rows)}\n`);
});

/** Registers a process for the teardown: a clean stop (SIGTERM, then SIGKILL). */
function owned(proc: Proc): Proc {
  teardown.push(() => proc.stop(10_000));
  return proc;
}

/**
 * What every scenario starts from: a PostgreSQL of its own (migrated, and one the test
 * can halt), `devices` simulated devices and a free port for the server; then a bulk of
 * one command on all of them, and the verdict once the processes have settled.
 */
async function world(name: string, devices: number) {
  const pg = await startRestartablePostgres();
  // Should this process end abruptly, the server gets a fast shutdown all the same.
  const forget = onAbandon(() => {
    void pg.halt();
  });
  teardown.push(async () => {
    forget();
    await pg.stop();
  });
  const { url } = pg;
  const lab = await startDevices(`${name}-`, devices);
  teardown.push(() => lab.stop());
  const port = await freePort();
  const apiUrl = `http://127.0.0.1:${port}`;
  let prints: Promise<Map<string, string>> | undefined;
  return {
    pg,
    url,
    lab,
    port,
    /** Creates the bulk through the server's API, noting what each device will print. */
    async startBulk(command: string) {
      prints = devicePrints(lab, command);
      await startBulk(apiUrl, lab, command);
    },
    /**
     * Waits for the runs to end (while `settling` run), judges them against what the
     * devices printed, adds the row to the table and fails the scenario on any problem,
     * saying `context`.
     */
    async conclude(verdict: {
      fault: string;
      procs: Proc[];
      settling?: Proc[];
      allowedErrors: string[];
      context: string;
    }) {
      if (!prints) throw new Error('the scenario started no bulk');
      const waited = await settle(url, verdict.settling ?? verdict.procs, 90_000);
      const { row, problems } = await judge({
        fault: verdict.fault,
        url,
        devices: lab.devices.length,
        prints: await prints,
        procs: verdict.procs,
        allowedErrors: verdict.allowedErrors,
        waited,
      });
      rows.push(row);
      expect(problems, verdict.context).toEqual([]);
    },
  };
}

const inFlight = (runs: RunRow[]) => runs.filter((r) => r.status === 'running' && r.chunks > 0);
const summary = (runs: RunRow[]) => {
  const counts = new Map<string, number>();
  for (const r of runs) counts.set(r.status, (counts.get(r.status) ?? 0) + 1);
  return [...counts].map(([s, n]) => `${n} ${s}`).join(', ');
};

/** Fails the scenario for a reason of the harness's own (not what is under test). */
function harness(message: string, procs: Proc[]): never {
  const tails = procs.map((p) => `--- ${p.name} (pid ${p.pid}):\n${p.tail()}`).join('\n');
  throw new Error(`${message}\n${tails}`);
}

describe('runs under faults, with real processes', () => {
  it('(a) PostgreSQL stopped for 30 s mid-bulk: no process exits, every run ends ok with all its output', async () => {
    const fault = 'PostgreSQL down 30 s mid-bulk';
    const { pg, url, port, ...scenario } = await world('a', 20);
    // Ten run at once (the site quota), ten wait: the outage catches both.
    const env = { NETAUTO_QUOTA_SITE: '10' };
    const server = owned(await startServer('server', url, port, env));
    const worker = owned(await startWorker('netauto-worker', url, env));
    const procs = [server, worker];
    await scenario.startBulk(slowCommand(50, 100));
    const going = await waitForRuns(url, (runs) => inFlight(runs).length >= 5, 60_000);
    if (!going) harness('the bulk did not get going: fewer than 5 runs printing after 60 s', procs);
    const before = await readRuns(url);

    await pg.halt();
    await sleep(OUTAGE_MS);
    const exitedDuringOutage = procs
      .filter((p) => p.exit)
      .map((p) => `${p.name}: ${describeExit(p.exit ?? { code: null, signal: null })}`);
    await pg.resume();

    await scenario.conclude({
      fault,
      procs,
      allowedErrors: [],
      context:
        `PostgreSQL was stopped for ${OUTAGE_MS / 1000} s with runs ${summary(before)} ` +
        `(lost after 5 s); processes exited during the outage: ${exitedDuringOutage.join('; ') || 'none'}`,
    });
  });

  it('(b) a netauto-worker SIGKILLed while it holds more runs than its concurrency: another worker ends them all', async () => {
    const { url, port, ...scenario } = await world('b', 10);
    const server = owned(await startServer('server', url, port, { NETAUTO_WORKERS: '0' }));
    const env = { NETAUTO_WORKER_CONCURRENCY: String(CONCURRENCY) };
    const workers = [
      owned(await startWorker('netauto-worker 1', url, env)),
      owned(await startWorker('netauto-worker 2', url, env)),
    ];
    const procs = [server, ...workers];
    await scenario.startBulk(slowCommand(40, 100));

    // The victim: a worker running its 2 runs with more of the queue's jobs taken. Should
    // workers ever stop taking more than they run, one running its 2 runs is killed (the
    // table says how many it held).
    const candidates = async () =>
      (
        await query<{ workerId: string; running: number; held: number }>(
          url,
          `WITH mine AS (
             SELECT r.worker_id, j.locked_by FROM runs r
             JOIN graphile_worker.jobs j ON j.key = 'run:' || r.id
             WHERE r.status = 'running' AND j.locked_by IS NOT NULL)
           SELECT m.worker_id AS "workerId",
             (SELECT count(*)::int FROM runs r
              WHERE r.status = 'running' AND r.worker_id = m.worker_id) AS running,
             (SELECT count(*)::int FROM graphile_worker.jobs h WHERE h.locked_by IN
               (SELECT locked_by FROM mine o WHERE o.worker_id = m.worker_id)) AS held
           FROM mine m GROUP BY m.worker_id ORDER BY held DESC`,
        )
      ).flatMap((c) => {
        const proc = workers.find((w) => c.workerId.includes(`:${w.pid}:`));
        return proc && c.running === CONCURRENCY ? [{ proc, ...c }] : [];
      });
    let victim: { proc: Proc; running: number; held: number } | undefined;
    const started = Date.now();
    while (Date.now() - started < 60_000) {
      const [best] = await candidates();
      if (best && (best.held > CONCURRENCY || Date.now() - started > 20_000)) {
        victim = best;
        break;
      }
      await sleep(100);
    }
    if (!victim) {
      harness(`no worker came to run ${CONCURRENCY} runs at once within 60 s`, procs);
    }
    await victim.proc.kill('SIGKILL');
    await scenario.conclude({
      fault: `worker SIGKILL holding ${victim.held} runs (concurrency ${CONCURRENCY})`,
      procs,
      allowedErrors: ['worker_lost'],
      context:
        `${victim.proc.name} was killed running ${victim.running} runs and holding ` +
        `${victim.held} jobs of the queue (lost after 5 s)`,
    });
  });

  it('(c) the server running workers in-process SIGKILLed mid-bulk and started again: every run ends', async () => {
    const fault = 'server SIGKILL + restart';
    const { url, port, ...scenario } = await world('c', 12);
    const first = await startServer('server', url, port);
    teardown.push(() => first.stop(10_000));
    await scenario.startBulk(slowCommand(50, 100));
    const going = await waitForRuns(url, (runs) => inFlight(runs).length >= 3, 60_000);
    if (!going)
      harness('the bulk did not get going: fewer than 3 runs printing after 60 s', [first]);
    const before = await readRuns(url);

    await first.kill('SIGKILL');
    const again = owned(await startServer('server (restarted)', url, port));
    await scenario.conclude({
      fault,
      procs: [first, again],
      settling: [again],
      allowedErrors: ['worker_lost'],
      context: `the server was SIGKILLed with runs ${summary(before)} and started again on the same database`,
    });
  });
});
