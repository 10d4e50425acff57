// What a fault scenario is made of and how it is judged: simulated devices, a bulk
// created through the server's API, and, at the end, every run read back from the
// database and compared with what its device printed.
import { createNetAutoClient, sessionFetch } from '@netauto/client';
import { commandOutput, startLab, type Lab } from '@netauto/devsim';
import { query } from './postgres.js';
import { ADMIN, describeExit, sleep, type Proc } from './processes.js';

/** `n` simulated Linux hosts named `<prefix>0`, `<prefix>1`, ... */
export function startDevices(prefix: string, n: number): Promise<Lab> {
  return startLab({
    devices: Array.from({ length: n }, (_, i) => ({
      hostname: `${prefix}${i}`,
      platform: 'linux' as const,
    })),
  });
}

/** A command that prints a line every `intervalMs` for about `count x intervalMs`. */
export function slowCommand(count: number, intervalMs: number): string {
  return `ping -c ${count} -i ${(intervalMs / 1000).toString()} 127.0.0.1`;
}

/**
 * What each device prints for `command`, by hostname (computed from the same simulated
 * devices, in this process, while the scenario runs: ping's text is the same each time).
 */
export function devicePrints(lab: Lab, command: string): Promise<Map<string, string>> {
  const prints = Promise.all(
    lab.devices.map(async (d) => {
      const text = await commandOutput(d.spec, command);
      // Whole: ping ends with its statistics.
      if (!text.includes(' ping statistics ---\n')) {
        throw new Error(`${d.spec.hostname} printed no whole ping for ${command}:\n${text}`);
      }
      return [d.spec.hostname, text] as const;
    }),
  ).then((pairs) => new Map(pairs));
  // Awaited when the scenario is judged; a scenario that fails before must not leave
  // an unhandled rejection behind.
  prints.catch(() => undefined);
  return prints;
}

/**
 * Through the server's API, as an operator would: the lab's devices into the inventory,
 * then one bulk running `command` on all of them. Returns the bulk's id.
 */
export async function startBulk(apiUrl: string, lab: Lab, command: string): Promise<number> {
  const api = createNetAutoClient({ url: apiUrl, fetch: sessionFetch() });
  await api.auth.login.mutate(ADMIN);
  const devices = JSON.parse(lab.inventory('json')) as unknown[];
  await api.devices.import.mutate({ devices });
  const bulk = await api.bulks.create.mutate({
    target: { type: 'filter', filter: { tags: ['lab=devsim'] } },
    command,
  });
  if (bulk.total !== lab.devices.length) {
    throw new Error(`the bulk has ${bulk.total} devices, not the lab's ${lab.devices.length}`);
  }
  return bulk.id;
}

export interface RunRow {
  id: number;
  hostname: string;
  status: 'pending' | 'running' | 'ok' | 'error';
  errorReason: string | null;
  errorMessage: string | null;
  bytes: string;
  chunks: number;
  attempt: number;
  workerId: string | null;
}

export function readRuns(url: string): Promise<RunRow[]> {
  return query<RunRow>(
    url,
    `SELECT r.id, d.hostname, r.status, r.error_reason AS "errorReason",
       r.error_message AS "errorMessage", r.bytes::text AS bytes, r.chunks,
       r.attempt::int AS attempt, r.worker_id AS "workerId"
     FROM runs r JOIN devices d ON d.id = r.device_id ORDER BY r.id`,
  );
}

const TERMINAL = new Set(['ok', 'error']);

/** Polls the runs until `done` holds of them; false when `ms` passed first. */
export async function waitForRuns(
  url: string,
  done: (runs: RunRow[]) => boolean,
  ms: number,
  giveUp: () => boolean = () => false,
): Promise<boolean> {
  const until = Date.now() + ms;
  for (;;) {
    const runs = await readRuns(url);
    if (done(runs)) return true;
    if (Date.now() > until || giveUp()) return false;
    await sleep(250);
  }
}

/**
 * Waits until every run is ok or error, for at most `ms`, or until no process that
 * could still end them is alive (then waiting longer is pointless).
 */
export async function settle(url: string, procs: Proc[], ms: number): Promise<string> {
  const started = Date.now();
  const ended = await waitForRuns(
    url,
    (runs) => runs.length > 0 && runs.every((r) => TERMINAL.has(r.status)),
    ms,
    () => procs.every((p) => p.exit !== undefined),
  );
  const seconds = Math.round((Date.now() - started) / 1000);
  if (ended) return `ended within ${seconds} s`;
  return procs.every((p) => p.exit !== undefined)
    ? `no NetAuto process left to end it, ${seconds} s after the fault`
    : `the test waited ${seconds} s after the fault`;
}

export interface Verdict {
  /** One line of the closing table. */
  row: { fault: string; runs: number; terminal: string; outputLost: number; exits: string };
  /** Everything that is not as it must be, one line each (empty when all is well). */
  problems: string[];
}

function firstDifference(a: string, b: string): number {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
}

/**
 * Reads every run and its chunks back and judges them: each run terminal; chunk seqs
 * dense from 0; runs.bytes the sum of its chunks' sizes; a run that ended ok holds
 * exactly what its device printed, one that ended in error a beginning of it; only the
 * error reasons in `allowed` (none: every run must end ok); and no process that the
 * test did not kill has exited.
 */
export async function judge(options: {
  fault: string;
  url: string;
  devices: number;
  prints: Map<string, string>;
  procs: Proc[];
  allowedErrors: readonly string[];
  /** How the wait for the runs to end went (settle's answer). */
  waited: string;
}): Promise<Verdict> {
  const { url, prints } = options;
  const runs = await readRuns(url);
  const chunks = await query<{ runId: number; seq: number; data: string }>(
    url,
    `SELECT run_id AS "runId", seq, data FROM run_chunks ORDER BY run_id, seq`,
  );
  const byRun = new Map<number, { seq: number; data: string }[]>();
  for (const c of chunks) {
    const list = byRun.get(c.runId) ?? [];
    list.push(c);
    byRun.set(c.runId, list);
  }
  const jobs = new Map(
    (
      await query<{
        key: string;
        lockedBy: string | null;
        runAt: Date;
        attempts: number;
        maxAttempts: number;
      }>(
        url,
        `SELECT key, locked_by AS "lockedBy", run_at AS "runAt", attempts,
           max_attempts AS "maxAttempts"
         FROM graphile_worker.jobs WHERE key LIKE 'run:%'`,
      )
    ).map((j) => [j.key, j]),
  );
  /** Where a run that has not ended stands in the queue, to help tell why. */
  const queued = (runId: number) => {
    const job = jobs.get(`run:${runId}`);
    if (!job) return 'no job for it in the queue';
    const tries = `attempts ${job.attempts} of ${job.maxAttempts}`;
    if (job.lockedBy) return `its job is locked by ${job.lockedBy} (${tries})`;
    return job.attempts >= job.maxAttempts
      ? `its job is unlocked but spent (${tries}): the queue will not hand it out again`
      : `its job waits, due ${job.runAt.toISOString()} (${tries})`;
  };
  const problems: string[] = [];
  if (runs.length !== options.devices) {
    problems.push(
      `${runs.length} runs in the database, expected one per device (${options.devices})`,
    );
  }
  let outputLost = 0;
  const ends = new Map<string, number>();
  for (const run of runs) {
    const what = `run ${run.id} (${run.hostname}, attempt ${run.attempt})`;
    const end = run.status === 'error' ? `error ${String(run.errorReason)}` : run.status;
    ends.set(end, (ends.get(end) ?? 0) + 1);
    if (!TERMINAL.has(run.status)) {
      problems.push(
        `${what}: still ${run.status} (${options.waited})` +
          (run.workerId ? `, worker ${run.workerId}` : '') +
          `; ${queued(run.id)}`,
      );
    } else if (run.status === 'error' && !options.allowedErrors.includes(run.errorReason ?? '')) {
      problems.push(
        `${what}: ended error ${String(run.errorReason)} ("${String(run.errorMessage)}"); ` +
          (options.allowedErrors.length === 0
            ? 'every run must end ok'
            : `only ${options.allowedErrors.join(', ')} may end a run here`),
      );
    }
    const own = byRun.get(run.id) ?? [];
    const seqs = own.map((c) => c.seq);
    if (seqs.some((s, i) => s !== i)) {
      problems.push(`${what}: chunk seqs are not dense from 0: ${seqs.join(',')}`);
    }
    const text = own.map((c) => c.data).join('');
    const stored = own.reduce((sum, c) => sum + Buffer.byteLength(c.data), 0);
    if (String(stored) !== run.bytes) {
      problems.push(`${what}: runs.bytes is ${run.bytes} but its chunks hold ${stored} bytes`);
    }
    const printed = prints.get(run.hostname);
    if (printed === undefined) {
      problems.push(`${what}: not a device of the lab`);
      continue;
    }
    if (run.status === 'ok' && text !== printed) {
      outputLost += 1;
      problems.push(
        `${what}: ended ok with ${Buffer.byteLength(text)} bytes stored, but the device printed ` +
          `${Buffer.byteLength(printed)}; they differ from character ${firstDifference(text, printed)}`,
      );
    } else if (run.status !== 'ok' && !printed.startsWith(text)) {
      problems.push(
        `${what}: its stored output is not what the device printed (differs from character ` +
          `${firstDifference(text, printed)})`,
      );
    }
  }
  const exited = options.procs.filter((p) => p.exit !== undefined && !p.killedByTest);
  for (const p of exited) {
    problems.push(
      `${p.name} (pid ${p.pid}) exited (${describeExit(p.exit ?? { code: null, signal: null })}) ` +
        `though the test did not kill it; its last output:\n${p.tail()}`,
    );
  }
  const terminal = runs.filter((r) => TERMINAL.has(r.status)).length;
  const breakdown = [...ends].map(([end, n]) => `${n} ${end}`).join(', ');
  return {
    row: {
      fault: options.fault,
      runs: runs.length,
      terminal: `${terminal}/${runs.length} (${breakdown})`,
      outputLost,
      exits:
        exited.length === 0
          ? '0'
          : exited
              .map((p) => `${p.name} (${describeExit(p.exit ?? { code: null, signal: null })})`)
              .join(', '),
    },
    problems,
  };
}

/** The closing table: fault | runs | terminal | output lost | process exits. */
export function table(rows: Verdict['row'][]): string {
  const head = ['fault', 'runs', 'terminal', 'output lost', 'process exits'];
  const cells = rows.map((r) => [
    r.fault,
    String(r.runs),
    r.terminal,
    String(r.outputLost),
    r.exits,
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] ?? '').length)));
  const line = (c: string[]) => `| ${c.map((v, i) => v.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  return [
    line(head),
    `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`,
    ...cells.map(line),
  ].join('\n');
}
