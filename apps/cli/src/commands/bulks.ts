import { Command, type CommandUnknownOpts } from '@commander-js/extra-typings';
import { RUN_ERROR_REASON_TEXT, type Bulk, type RunErrorReason } from '@netauto/schema';
import type { Context } from '../context.js';
import { positiveInt } from '../options.js';
import { pairsText, when } from '../output.js';
import { collect } from '../resolve.js';
import { followBulkRun } from './run.js';

/** A reason's sentence; a reason this CLI does not know yet shows as its code only. */
function reasonSentence(reason: RunErrorReason): string {
  return (RUN_ERROR_REASON_TEXT as Partial<Record<string, string>>)[reason] ?? '';
}

function targetText(bulk: Bulk): string {
  const t = bulk.target;
  switch (t.type) {
    case 'group':
      return `group #${String(t.groupId)}`;
    case 'devices':
      return `${Array.isArray(t.deviceIds) ? t.deviceIds.length : '?'} devices`;
    case 'filter':
      return `filter ${pairsText((t.filter ?? {}) as Record<string, unknown>)}`;
    default:
      return JSON.stringify(t);
  }
}

export function bulksCommand(ctx: () => Context): CommandUnknownOpts {
  const bulks = new Command('bulks').description('bulk runs: one command on many devices');

  bulks
    .command('list')
    .description('recent bulk runs, newest first')
    .option('--mine', 'only those I started')
    .option('--limit <n>', 'at most this many (default 25)', positiveInt('--limit'))
    .action(async (o) => {
      const c = ctx();
      const api = await c.client();
      const requestedBy = o.mine ? (await api.auth.me.query()).id : undefined;
      const max = o.limit ?? 25;
      const { items } = await collect(
        (cursor) =>
          api.bulks.list.query({
            ...(requestedBy !== undefined && { requestedBy }),
            cursor,
            limit: Math.min(100, max),
          }),
        max,
      );
      c.out.emit(items, (list) => {
        c.out.table(
          ['ID', 'TARGET', 'COMMAND', 'DEVICES', 'OK', 'ERROR', 'DONE', 'BY', 'STARTED'],
          list.map((b) => [
            b.id,
            targetText(b),
            b.command ?? (b.templateId !== null ? `template #${b.templateId}` : null),
            b.total,
            b.counts.ok,
            b.counts.error,
            b.done ? 'yes' : 'no',
            b.requestedByEmail,
            when(b.createdAt),
          ]),
        );
      });
    });

  bulks
    .command('show')
    .description('a bulk run: counts, failures by reason, devices grouped by identical output')
    .argument('<id>', 'the bulk id', positiveInt('the bulk id'))
    .action(async (id) => {
      const c = ctx();
      const api = await c.client();
      const summary = await api.bulks.summary.query({ id });
      c.out.emit(summary, (s) => {
        const b = s.bulk;
        c.out.record([
          ['id', b.id],
          ['target', targetText(b)],
          ['command', b.command],
          ['mode', b.mode],
          ['devices', b.total],
          ['ok', b.counts.ok],
          ['error', b.counts.error],
          ['running', b.counts.running],
          ['pending', b.counts.pending],
          ['done', b.done ? 'yes' : 'no'],
          ['canceled', when(b.canceledAt)],
          ['by', b.requestedByEmail],
          ['started', when(b.createdAt)],
        ]);
        if (s.reasons.length > 0) {
          c.out.write('\n');
          c.out.table(
            ['REASON', 'CODE', 'DEVICES'],
            s.reasons.map((r) => [reasonSentence(r.reason), r.reason, r.count]),
          );
        }
        if (s.outputs.length > 0) {
          c.out.write('\n');
          c.out.table(
            ['OUTPUT', 'STATUS', 'DEVICES', 'BYTES', 'HOSTS', 'STARTS WITH'],
            s.outputs.map((g, i) => [
              i + 1,
              c.out.status(g.status),
              g.count,
              g.bytes,
              g.devices.map((d) => d.hostname).join(',') + (g.count > g.devices.length ? ',…' : ''),
              (g.preview.split('\n').find((l) => l.trim() !== '') ?? '').slice(0, 40),
            ]),
          );
          if (s.outputGroupCount > s.outputs.length) {
            c.out.info(
              c.out.err.dim(
                `${s.outputGroupCount - s.outputs.length} more output groups not shown`,
              ),
            );
          }
        }
      });
    });

  bulks
    .command('retry')
    .description('run the command again on the devices that failed, and follow them')
    .argument('<id>', 'the bulk id', positiveInt('the bulk id'))
    .option('--include-canceled', 'retry canceled devices too')
    .option('-o, --out-dir <dir>', "write each device's output to DIR/<hostname>.txt")
    .option('--detach', 'start them and return without waiting')
    .action(async (id, o) => {
      const c = ctx();
      const api = await c.client();
      const before = await collect((cursor) =>
        api.runs.list.query({ bulkId: id, cursor, limit: 100 }),
      );
      const result = await api.bulks.retryFailed.mutate({
        id,
        includeCanceled: o.includeCanceled === true,
      });
      c.out.info(
        c.out.err.dim(`bulk ${id}: ${result.runs} device${result.runs === 1 ? '' : 's'} run again`),
      );
      if (o.detach || result.runs === 0) {
        c.out.emit(result, () => undefined);
        return;
      }
      await followBulkRun(c, api, result.bulk, o.outDir, new Set(before.items.map((r) => r.id)));
    });

  bulks
    .command('cancel')
    .description('cancel what is left of a bulk run: pending runs never start, running ones stop')
    .argument('<id>', 'the bulk id', positiveInt('the bulk id'))
    .action(async (id) => {
      const c = ctx();
      const api = await c.client();
      const result = await api.bulks.cancel.mutate({ id });
      c.out.emit(result, (r) => {
        c.out.success(
          `bulk ${id}: ${r.canceledPending} pending runs canceled, ${r.stopping} stopping`,
        );
      });
    });

  return bulks;
}
