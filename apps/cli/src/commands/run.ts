import { mkdir } from 'node:fs/promises';
import { Command, type CommandUnknownOpts } from '@commander-js/extra-typings';
import type { NetAutoClient } from '@netauto/client';
import {
  BulkDeviceFilter,
  PLATFORMS,
  PROTOCOLS,
  type Bulk,
  type BulkTarget,
  type Device,
  type Run,
  type RunErrorReason,
  type RunStatus,
} from '@netauto/schema';
import type { Context } from '../context.js';
import { FailedError, UsageError } from '../errors.js';
import { followBulk, followRun } from '../follow.js';
import { collectList, collectPairs, commaPairs } from '../options.js';
import { resolveDevice, resolveGroup, resolveTemplate } from '../resolve.js';
import {
  BulkProgress,
  FileNames,
  FileSink,
  MemorySink,
  PrefixSink,
  StdoutSink,
  type Sink,
} from '../sinks.js';
import { fieldProblems } from './common.js';
import { interruptible, reasonText } from './runs.js';

const FILTER_KEYS = [
  'site',
  'platform',
  'vendor',
  'protocol',
  'tag',
  'group',
  'cidr',
  'q',
] as const;

/** `site=dc1,platform=cisco_ios,tag=role=core` as the bulk filter of the API. */
async function filterOf(api: NetAutoClient, text: string): Promise<BulkDeviceFilter> {
  const filter: Record<string, unknown> = {};
  const tags: string[] = [];
  for (const [key, value] of commaPairs(text, '--filter')) {
    switch (key) {
      case 'tag':
        tags.push(value);
        break;
      case 'group':
        filter.groupId = (await resolveGroup(api, value)).id;
        break;
      case 'platform':
        if (!(PLATFORMS as readonly string[]).includes(value)) {
          throw new UsageError(`--filter platform must be one of ${PLATFORMS.join(', ')}`);
        }
        filter.platform = value;
        break;
      case 'protocol':
        if (!(PROTOCOLS as readonly string[]).includes(value)) {
          throw new UsageError(`--filter protocol must be one of ${PROTOCOLS.join(', ')}`);
        }
        filter.protocol = value;
        break;
      case 'site':
      case 'vendor':
      case 'cidr':
      case 'q':
        filter[key] = value;
        break;
      default:
        throw new UsageError(`--filter: unknown key "${key}": use ${FILTER_KEYS.join(', ')}`);
    }
  }
  if (tags.length > 0) filter.tags = tags;
  const parsed = BulkDeviceFilter.safeParse(filter);
  if (!parsed.success)
    throw new UsageError(`--filter: ${fieldProblems(parsed.error, { '': 'filter' })}`);
  return filter;
}

/** One device's part of a bulk, as `run --json` shows it. */
export interface DeviceResult {
  deviceId: number;
  hostname: string;
  runId: number;
  status: RunStatus;
  errorReason: RunErrorReason | null;
  /** The command's exit status once its run ended with one (null for network CLIs' errors). */
  exitCode: number | null;
  output?: string;
  file?: string;
}

export function runCommand(ctx: () => Context): CommandUnknownOpts {
  return new Command('run')
    .description(
      'run a command or a template on devices, a group or a filter; output streams live (exit 0: all ok, 1: any failed, 2: usage)',
    )
    .option(
      '-d, --device <device>',
      'a device: hostname, hostname@site or id (repeatable)',
      collectList,
    )
    .option('-g, --group <group>', 'every device of a group (name or id)')
    .option(
      '-f, --filter <filter>',
      `devices that match, such as site=dc1,platform=cisco_ios (keys: ${FILTER_KEYS.join(', ')}; tag=key=value)`,
    )
    .option('-c, --command <command>', 'the command to run')
    .option('-t, --template <template>', 'a template to run (name or id)')
    .option('--var <key=value>', 'a template variable (repeatable)', collectPairs('--var'))
    .option('-o, --out-dir <dir>', "write each device's output to DIR/<hostname>.txt")
    .option('--detach', 'start it, print its id and return without waiting')
    .action(async (o) => {
      const c = ctx();
      const targets = [
        o.device !== undefined,
        o.group !== undefined,
        o.filter !== undefined,
      ].filter(Boolean).length;
      if (targets !== 1)
        throw new UsageError('say where to run: give --device (one or more), --group or --filter');
      if ((o.command === undefined) === (o.template === undefined)) {
        throw new UsageError('say what to run: give --command or --template');
      }
      if (o.var && o.template === undefined) throw new UsageError('--var goes with --template');
      const api = await c.client();

      let what: { command: string } | { templateId: number; variables: Record<string, string> };
      let label: string;
      if (o.template !== undefined) {
        const template = await resolveTemplate(api, o.template);
        if (template.mode === 'change') {
          c.out.warn(
            `${template.name} is a change template: it alters the configuration of every device it runs on`,
          );
        }
        what = { templateId: template.id, variables: Object.fromEntries(o.var ?? []) };
        label = `template ${template.name}`;
      } else {
        what = { command: o.command ?? '' };
        label = o.command ?? '';
      }
      if (o.outDir) await mkdir(o.outDir, { recursive: true });

      if (o.device?.length === 1) {
        const device = await resolveDevice(api, o.device[0] ?? '');
        const run = await api.runs.create.mutate({ deviceId: device.id, ...what });
        c.out.info(c.out.err.dim(`run ${run.id} on ${device.hostname}: ${label}`));
        if (o.detach) {
          c.out.emit(run, (r) => {
            c.out.info(
              `started run ${r.id}: follow it with \`netauto runs tail --follow ${r.id}\``,
            );
          });
          return;
        }
        await single(c, api, device, run, o.outDir);
        return;
      }

      let target: BulkTarget;
      if (o.group !== undefined)
        target = { type: 'group', groupId: (await resolveGroup(api, o.group)).id };
      else if (o.filter !== undefined)
        target = { type: 'filter', filter: await filterOf(api, o.filter) };
      else {
        const ids: number[] = [];
        for (const ref of o.device ?? []) ids.push((await resolveDevice(api, ref)).id);
        target = { type: 'devices', deviceIds: [...new Set(ids)] };
      }
      const bulk = await api.bulks.create.mutate({ target, ...what });
      c.out.info(
        c.out.err.dim(
          `bulk ${bulk.id} on ${bulk.total} device${bulk.total === 1 ? '' : 's'}: ${label}`,
        ),
      );
      if (o.detach) {
        c.out.emit(bulk, (b) => {
          c.out.info(`started bulk ${b.id}: see it with \`netauto bulks show ${b.id}\``);
        });
        return;
      }
      await followBulkRun(c, api, bulk, o.outDir);
    });
}

/** One device: its output as it comes, then its end. */
async function single(
  c: Context,
  api: NetAutoClient,
  device: Device,
  run: Run,
  outDir: string | undefined,
) {
  const file = outDir ? new FileNames(outDir).for(device.hostname, device.id) : undefined;
  const sink: Sink = file ? new FileSink(file) : c.json ? new MemorySink() : new StdoutSink(c.out);
  const connection = await c.connection();
  const final = await interruptible(c, run.id, (signal) =>
    followRun(connection, run.id, {
      signal,
      onChunk: (data) => {
        sink.write(data);
      },
      onInterrupted: (reason) => {
        c.out.warn(`connection lost (${reason}); resuming run ${run.id} when the server answers`);
      },
      onResumed: () => {
        c.out.info(c.out.err.dim(`resumed run ${run.id}`));
      },
    }),
  );
  await sink.end();
  c.out.emit(
    {
      run: final,
      ...(sink instanceof MemorySink ? { output: sink.text } : {}),
      ...(file && { file }),
    },
    () => {
      if (file) c.out.info(`output in ${file}`);
    },
  );
  if (final.status === 'error') {
    throw new FailedError(`run ${final.id} on ${device.hostname} failed: ${reasonText(final)}`);
  }
  c.out.info(
    c.out.err.dim(
      `run ${final.id} on ${device.hostname}: ok${final.exitCode !== null ? ` (exit ${final.exitCode})` : ''}`,
    ),
  );
}

/** Followers of device output at once, at most. */
const FOLLOWERS = 16;

/** Follows a bulk: the progress bar, each device's output as it comes, then a summary. */
export async function followBulkRun(
  c: Context,
  api: NetAutoClient,
  bulk: Bulk,
  outDir: string | undefined,
  /** Runs of the bulk to leave out (those before a retry). */
  skip: ReadonlySet<number> = new Set(),
) {
  const progress = new BulkProgress(c.out, bulk.total);
  const names = outDir ? new FileNames(outDir) : undefined;
  const results = new Map<number, DeviceResult>();
  const followers: Promise<void>[] = [];
  const waiting: (() => void)[] = [];
  let active = 0;
  const palette = [
    c.out.out.cyan,
    c.out.out.magenta,
    c.out.out.blue,
    c.out.out.yellow,
    c.out.out.green,
  ];
  const writeLine = (line: string) => {
    if (progress.live && c.out.stdout.isTTY) progress.log(line);
    else c.out.write(`${line}\n`);
  };
  const controller = new AbortController();
  let followerError: unknown;
  const following = new Set<number>();
  /** Follows a device's output once its run has left the queue (pending output is none). */
  const startFollowing = (result: DeviceResult) => {
    if (result.status === 'pending' || following.has(result.runId)) return;
    following.add(result.runId);
    followers.push(
      follow(result).catch((error: unknown) => {
        followerError ??= error;
        controller.abort();
      }),
    );
  };

  const follow = async (result: DeviceResult) => {
    if (active >= FOLLOWERS) await new Promise<void>((resolve) => waiting.push(resolve));
    active += 1;
    try {
      const file = names?.for(result.hostname, result.deviceId);
      const color = palette[result.deviceId % palette.length] ?? ((s: string) => s);
      const sink: Sink = file
        ? new FileSink(file)
        : c.json
          ? new MemorySink()
          : new PrefixSink(color(`${result.hostname} |`), writeLine);
      const final = await followRun(await c.connection(), result.runId, {
        signal: controller.signal,
        onChunk: (data) => {
          sink.write(data);
        },
      });
      await sink.end();
      result.status = final.status;
      result.errorReason = final.errorReason;
      result.exitCode = final.exitCode;
      if (sink instanceof MemorySink) result.output = sink.text;
      if (file) result.file = file;
      if (final.status === 'error') {
        const line = `${c.out.err.red('failed')} ${result.hostname}: ${reasonText(final)}`;
        if (progress.live) progress.log(line);
        else c.out.info(line);
      }
    } finally {
      active -= 1;
      waiting.shift()?.();
    }
  };

  try {
    await interruptible(
      c,
      undefined,
      async (signal) => {
        signal.addEventListener('abort', () => {
          controller.abort();
        });
        await followBulk(api, bulk.id, {
          signal,
          onInterrupted: (reason) => {
            c.out.warn(
              `connection lost (${reason}); resuming bulk ${bulk.id} when the server answers`,
            );
          },
          onEvent: (event) => {
            if (event.type === 'counts') {
              progress.update(event.counts);
              return;
            }
            if (skip.has(event.runId)) return;
            const known = results.get(event.runId);
            if (known) {
              known.status = event.status;
              known.errorReason = event.errorReason;
              startFollowing(known);
              return;
            }
            const result: DeviceResult = {
              deviceId: event.deviceId,
              hostname: event.hostname,
              runId: event.runId,
              status: event.status,
              errorReason: event.errorReason,
              exitCode: null,
            };
            results.set(event.runId, result);
            startFollowing(result);
          },
        });
        // Devices whose run never left the queue (canceled while pending) have no output.
        for (const result of results.values()) {
          if (result.status !== 'pending') startFollowing(result);
        }
        await Promise.all(followers);
        if (followerError !== undefined) {
          throw followerError instanceof Error
            ? followerError
            : new Error('following output failed');
        }
      },
      `netauto bulks show ${bulk.id}`,
    );
  } finally {
    progress.stop();
  }

  const ended = await api.bulks.byId.query({ id: bulk.id });
  const runs = [...results.values()].sort(
    (a, b) => a.hostname.localeCompare(b.hostname) || a.deviceId - b.deviceId,
  );
  const failed = runs.filter((r) => r.status === 'error');
  c.out.emit({ bulk: ended, runs }, () => {
    if (names) c.out.info(`output in ${outDir ?? ''}/ (one file per device)`);
  });
  const summary = `bulk ${ended.id}: ${ended.counts.ok} ok, ${ended.counts.error} failed of ${ended.total}`;
  if (failed.length > 0) {
    const list = failed
      .slice(0, 10)
      .map(
        (r) =>
          `${r.hostname} (${r.errorReason ?? 'error'}${r.exitCode !== null ? `, exit ${r.exitCode}` : ''})`,
      )
      .join(', ');
    throw new FailedError(
      `${summary}: ${list}${failed.length > 10 ? ', …' : ''}; retry them with \`netauto bulks retry ${ended.id}\``,
    );
  }
  c.out.info(c.out.err.dim(summary));
}
