import {
  Command,
  InvalidArgumentError,
  type CommandUnknownOpts,
} from '@commander-js/extra-typings';
import { RUN_ERROR_REASON_TEXT, RUN_STATUSES, type Run, type RunStatus } from '@netauto/schema';
import type { Context } from '../context.js';
import { CliError, EXIT_INTERRUPTED, FailedError } from '../errors.js';
import { followRun } from '../follow.js';
import { collectIds, positiveInt } from '../options.js';
import { when } from '../output.js';
import { collect, resolveDevice } from '../resolve.js';
import { MemorySink, StdoutSink, type Sink } from '../sinks.js';

/** Exit code after Ctrl-C, as shells count it. */

/** Runs `follow` until it ends or Ctrl-C; after Ctrl-C, says that the run goes on. */
export async function interruptible<T>(
  c: Context,
  runId: number | undefined,
  follow: (signal: AbortSignal) => Promise<T>,
  hint?: string,
): Promise<T> {
  const controller = new AbortController();
  const onSigint = () => {
    controller.abort();
  };
  process.once('SIGINT', onSigint);
  try {
    return await follow(controller.signal);
  } catch (error) {
    if (controller.signal.aborted) {
      throw new CliError(
        runId !== undefined
          ? `stopped following; run ${runId} goes on: \`netauto runs tail --follow ${runId}\` to see it, \`netauto runs cancel ${runId}\` to stop it`
          : `stopped following; it goes on: \`${hint ?? 'netauto runs list'}\` to see it`,
        EXIT_INTERRUPTED,
      );
    }
    throw error;
  } finally {
    process.removeListener('SIGINT', onSigint);
  }
}

/**
 * Why a run failed, for people: the reason's sentence with its code and the detail
 * beside it, `The device refused the credential. (auth_failed: all methods failed)`.
 */
export function reasonText(run: Pick<Run, 'errorReason' | 'errorMessage'>): string {
  const code = run.errorReason;
  if (code === null) return run.errorMessage ?? 'error';
  const detail = run.errorMessage ? `${code}: ${run.errorMessage}` : code;
  // A server newer than this CLI may know reasons it does not: the code alone then.
  const sentence = (RUN_ERROR_REASON_TEXT as Partial<Record<string, string>>)[code];
  return sentence ? `${sentence} (${detail})` : detail;
}

function duration(run: Run): string {
  if (!run.startedAt) return '-';
  const end = run.finishedAt ? Date.parse(run.finishedAt) : Date.now();
  const ms = end - Date.parse(run.startedAt);
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

function oneLine(text: string, max = 40): string {
  const first = text.split('\n')[0] ?? '';
  const more = first.length > max || text.includes('\n');
  return more ? `${first.slice(0, max - 1)}…` : first;
}

/** An ISO time, or a time ago: 30m, 2h, 7d. */
function since(text: string): string {
  const ago = /^(\d+)([smhd])$/.exec(text);
  if (ago) {
    const unit = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[
      ago[2] as 's' | 'm' | 'h' | 'd'
    ];
    return new Date(Date.now() - Number(ago[1]) * unit).toISOString();
  }
  const time = Date.parse(text);
  if (Number.isNaN(time))
    throw new InvalidArgumentError('give a time such as 2025-01-31T08:00:00Z, or 30m, 2h, 7d');
  return new Date(time).toISOString();
}

function statuses(text: string, previous: RunStatus[] = []): RunStatus[] {
  const out = [...previous];
  for (const s of text.split(',')) {
    if (!(RUN_STATUSES as readonly string[]).includes(s)) {
      throw new InvalidArgumentError(`--status must be ${RUN_STATUSES.join(', ')}`);
    }
    out.push(s as RunStatus);
  }
  return out;
}

export function runsCommand(ctx: () => Context): CommandUnknownOpts {
  const runs = new Command('runs').description(
    'run history: list, show, tail (--follow) and cancel',
  );

  runs
    .command('list')
    .description('recent runs, newest first')
    .option('--device <device>', 'runs on this device (hostname, hostname@site or id)')
    .option('--bulk <id>', 'runs of this bulk', positiveInt('--bulk'))
    .option('--status <status>', `only these: ${RUN_STATUSES.join(',')} (repeatable)`, statuses)
    .option('--mine', 'only runs I asked for')
    .option('--since <time>', 'requested since: a time, or 30m, 2h, 7d ago', since)
    .option('--q <text>', 'text in the command')
    .option('--limit <n>', 'at most this many (default 25)', positiveInt('--limit'))
    .action(async (o) => {
      const c = ctx();
      const api = await c.client();
      const deviceId = o.device === undefined ? undefined : (await resolveDevice(api, o.device)).id;
      const requestedBy = o.mine ? (await api.auth.me.query()).id : undefined;
      const max = o.limit ?? 25;
      const { items } = await collect(
        (cursor) =>
          api.runs.list.query({
            ...(deviceId !== undefined && { deviceId }),
            ...(o.bulk !== undefined && { bulkId: o.bulk }),
            ...(o.status && { status: [...new Set(o.status)] }),
            ...(requestedBy !== undefined && { requestedBy }),
            ...(o.since !== undefined && { from: o.since }),
            ...(o.q !== undefined && { q: o.q }),
            cursor,
            limit: Math.min(100, max),
          }),
        max,
      );
      if (c.json) {
        c.out.data(items);
        return;
      }
      // One batched request for the names of the devices on this page.
      const ids = [...new Set(items.map((r) => r.deviceId))];
      const devices = await Promise.all(
        ids.map((id) => api.devices.byId.query({ id }).catch(() => undefined)),
      );
      const names = new Map(devices.flatMap((d) => (d ? [[d.id, d.hostname] as const] : [])));
      c.out.table(
        ['ID', 'STATUS', 'DEVICE', 'COMMAND', 'REQUESTED', 'TOOK', 'BY', 'REASON'],
        items.map((r) => [
          r.id,
          c.out.status(r.status),
          names.get(r.deviceId) ?? `#${r.deviceId}`,
          oneLine(r.command),
          when(r.requestedAt),
          duration(r),
          r.requestedByEmail,
          r.errorReason,
        ]),
      );
    });

  runs
    .command('show')
    .description('one run: its device, command, status and times')
    .argument('<id>', 'the run id', positiveInt('the run id'))
    .action(async (id) => {
      const c = ctx();
      const api = await c.client();
      const run = await api.runs.byId.query({ id });
      c.out.emit(run, (r) => {
        c.out.record([
          ['id', r.id],
          ['status', c.out.status(r.status)],
          ['reason', r.errorReason ? reasonText(r) : null],
          ['device', r.device ? `${r.device.hostname} (id ${r.device.id})` : `#${r.deviceId}`],
          [
            'template',
            r.template ? `${r.template.name}${r.mode === 'change' ? ' (change)' : ''}` : null,
          ],
          ['bulk', r.bulkId],
          ['command', r.command],
          ['exit code', r.exitCode],
          ['output', `${r.bytes} bytes in ${r.chunkCount} chunks`],
          ['attempt', r.attempt],
          ['requested by', r.requestedByEmail],
          ['requested', when(r.requestedAt)],
          ['started', when(r.startedAt)],
          ['finished', when(r.finishedAt)],
          ['took', duration(r)],
        ]);
      });
    });

  runs
    .command('tail')
    .description(
      "a run's output; with --follow, as it comes until the run ends, across lost connections",
    )
    .argument('<id>', 'the run id', positiveInt('the run id'))
    .option('-f, --follow', 'keep printing output until the run ends')
    .option('-n, --lines <n>', 'start with the last N lines only', positiveInt('--lines'))
    .action(async (id, o) => {
      const c = ctx();
      const api = await c.client();
      const sink: Sink = c.json ? new MemorySink() : new StdoutSink(c.out);
      let afterSeq = -1;
      let run: Run;
      if (o.lines !== undefined || !o.follow) {
        // What is stored now, up to a known chunk; following goes on after it.
        run = await api.runs.byId.query({ id });
        const chunks: string[] = [];
        while (afterSeq < run.chunkCount - 1) {
          const page = await api.runs.chunks.query({ runId: id, afterSeq, limit: 1000 });
          if (page.length === 0) break;
          for (const chunk of page) {
            if (chunk.seq >= run.chunkCount) break;
            chunks.push(chunk.data);
            afterSeq = chunk.seq;
          }
        }
        let text = chunks.join('');
        if (o.lines !== undefined) {
          const lines = text.split('\n');
          const trailing = lines.at(-1) === '' ? 1 : 0;
          text = lines.slice(Math.max(0, lines.length - trailing - o.lines)).join('\n');
        }
        sink.write(text);
      }
      if (o.follow) {
        const connection = await c.connection();
        run = await interruptible(c, id, (signal) =>
          followRun(connection, id, {
            afterSeq,
            signal,
            onChunk: (data) => {
              sink.write(data);
            },
            onInterrupted: (reason) => {
              c.out.warn(`connection lost (${reason}); resuming run ${id} when the server answers`);
            },
            onResumed: () => {
              c.out.info(c.out.err.dim(`resumed run ${id}`));
            },
          }),
        );
      } else {
        run = await api.runs.byId.query({ id });
      }
      await sink.end();
      if (c.json) {
        const {
          device: _device,
          template: _template,
          ...plain
        } = run as Run & { device?: unknown; template?: unknown };
        c.out.data({ run: plain, output: sink instanceof MemorySink ? sink.text : '' });
      }
      if (o.follow && run.status === 'error')
        throw new FailedError(`run ${id} failed: ${reasonText(run)}`);
      if (!o.follow && !c.json && (run.status === 'pending' || run.status === 'running')) {
        c.out.info(c.out.err.dim(`run ${id} is ${run.status}: --follow to see the rest`));
      }
    });

  runs
    .command('cancel')
    .description('cancel runs: a pending one never starts, a running one stops within a second')
    .argument('<ids...>', 'run ids', collectIds('a run id'))
    .action(async (ids) => {
      const c = ctx();
      const api = await c.client();
      const canceled = [];
      for (const id of ids) canceled.push(await api.runs.cancel.mutate({ id }));
      c.out.emit(canceled, (list) => {
        for (const r of list) c.out.success(`run ${r.id}: cancel asked (${r.status})`);
      });
    });

  return runs;
}
