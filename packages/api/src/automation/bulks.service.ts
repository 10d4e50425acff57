import {
  InvalidStateError,
  PROGRESS_START,
  ValidationError,
  type ProgressCursor,
} from '@netauto/db';
import type { Logger } from '@netauto/observability';
import type { BulkProgressHub } from '@netauto/worker';
import {
  MAX_BULK_DEVICES,
  PLATFORMS,
  renderTemplate,
  type Platform,
  type Bulk,
  type BulkCancelResult,
  type BulkCounts,
  type BulkCreateInput,
  type BulkListInput,
  type BulkProgressEvent,
  type BulkRetryResult,
  type BulkSummary,
  type BulkSummaryInput,
  type Page,
  type TemplateMode,
} from '@netauto/schema';
import { actorOf, audited } from '../audit/audit.js';
import type { Identity } from '../context.js';
import type { Store, Uses } from '../store.js';

/** What bulk runs read and write. */
export type BulksRepos = Uses<{
  bulks:
    | 'create'
    | 'platformsOf'
    | 'get'
    | 'list'
    | 'hashOutputs'
    | 'reasons'
    | 'outputGroups'
    | 'retryFailed'
    | 'cancel'
    | 'progress'
    | 'changedAfter';
  templates: 'get';
  audit: 'record';
}>;

/** Rows of progress read per statement. */
const PROGRESS_PAGE = 500;

/** `<xid>.<runId>`: where a progress follower is; it hands it back to resume. */
export function formatProgressId(cursor: ProgressCursor): string {
  return `${cursor.xid}.${cursor.runId}`;
}

export function parseProgressId(id: string | null | undefined): ProgressCursor | undefined {
  const match = id == null ? null : /^(\d{1,20})\.(\d{1,10})$/.exec(id);
  if (!match?.[1] || !match[2] || Number(match[2]) > 2_147_483_647) return undefined;
  return { xid: match[1], runId: Number(match[2]) };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Bulk runs: one command (or rendered template) on every device of a target, one run
 * per device, queued like single runs so that quotas and per-device order hold.
 */
export class BulksService {
  constructor(
    private readonly store: Store<BulksRepos>,
    private readonly hub: Pick<BulkProgressHub, 'next'>,
    private readonly logger: Pick<Logger, 'info'>,
    /** The most devices one bulk may touch, whatever its target. */
    private readonly maxDevices = MAX_BULK_DEVICES,
  ) {}

  /** Records the bulk and its runs and queues them, in one transaction. */
  async create(actor: Identity, input: BulkCreateInput): Promise<Bulk> {
    const started = performance.now();
    const { bulk } = await audited(
      this.store,
      actorOf(actor),
      'bulks.create',
      async (repos) => {
        const what = await this.commandOf(repos, input);
        const created = await repos.bulks.create({
          target: input.target,
          ...what,
          requestedBy: actor.user.id,
          requestedByEmail: actor.user.email,
        });
        // A group or a filter can match more than a list may name: the same cap, and
        // nothing is kept when it is passed.
        if (created.bulk.total > this.maxDevices) {
          throw new ValidationError(
            `the target matches ${created.bulk.total} devices; a bulk takes at most ${this.maxDevices}`,
            { target: [`at most ${this.maxDevices} devices`] },
          );
        }
        return created;
      },
      ({ bulk: b }) => ({
        type: 'bulk',
        id: b.id,
        summary: {
          target: b.target,
          command: b.command,
          templateId: b.templateId,
          mode: b.mode,
          total: b.total,
        },
      }),
    );
    this.logger.info(
      { bulkId: bulk.id, total: bulk.total, ms: Math.round(performance.now() - started) },
      'bulk created',
    );
    return bulk;
  }

  /**
   * The command of every run: the command given, or the template rendered. A template's
   * values are written for each platform (quoted for a shell, checked for a network CLI):
   * when that makes different commands, each device gets its platform's, and a value that
   * one of the target's platforms refuses is refused for the whole bulk.
   */
  private async commandOf(
    repos: BulksRepos,
    input: BulkCreateInput,
  ): Promise<{
    command?: string;
    commands?: Partial<Record<Platform, string>>;
    templateId: number | null;
    mode: TemplateMode;
  }> {
    if (input.templateId === undefined) {
      return { command: input.command ?? '', templateId: null, mode: 'read' };
    }
    const template = await repos.templates.get(input.templateId);
    if (!template.enabled) throw new InvalidStateError(`template ${template.name} is disabled`);
    const what = { templateId: template.id, mode: template.mode };
    const rendered = new Map(
      PLATFORMS.map((p) => [p, renderTemplate(template, input.variables ?? {}, p)] as const),
    );
    const everywhere = [...rendered.values()];
    const first = everywhere[0];
    if (first?.ok && everywhere.every((r) => r.ok && r.command === first.command)) {
      return { command: first.command, ...what };
    }
    const fieldErrors: Record<string, string[]> = {};
    const commands: Partial<Record<Platform, string>> = {};
    const platforms = await repos.bulks.platformsOf(input.target);
    for (const platform of platforms) {
      const result = rendered.get(platform);
      if (result?.ok) commands[platform] = result.command;
      else if (result) {
        for (const [field, messages] of Object.entries(result.fieldErrors)) {
          const list = (fieldErrors[field] ??= []);
          // The same refusal on several platforms is told once.
          for (const m of messages) if (!list.includes(m)) list.push(m);
        }
      }
    }
    if (Object.keys(fieldErrors).length > 0) {
      throw new ValidationError(Object.values(fieldErrors).flat().join('; '), fieldErrors);
    }
    const distinct = new Set(Object.values(commands));
    if (distinct.size === 1) return { command: [...distinct][0] as string, ...what };
    return { commands, ...what };
  }

  byId(id: number): Promise<Bulk> {
    return this.store.repos.bulks.get(id);
  }

  list(input: BulkListInput): Promise<Page<Bulk>> {
    return this.store.repos.bulks.list(input);
  }

  /** Counts by status and reason, and devices grouped by identical output. */
  async summary(input: BulkSummaryInput): Promise<BulkSummary> {
    const { repos } = this.store;
    await repos.bulks.get(input.id);
    await repos.bulks.hashOutputs(input.id);
    const [bulk, reasons, outputs] = await Promise.all([
      repos.bulks.get(input.id),
      repos.bulks.reasons(input.id),
      repos.bulks.outputGroups(input.id, {
        groups: input.groups ?? 50,
        perGroup: input.devicesPerGroup ?? 100,
      }),
    ]);
    return { bulk, reasons, outputs: outputs.groups, outputGroupCount: outputs.total };
  }

  /** New runs, in the same bulk, for the devices whose latest run failed. */
  async retryFailed(
    actor: Identity,
    input: { id: number; includeCanceled?: boolean | undefined },
  ): Promise<BulkRetryResult> {
    const runs = await audited(
      this.store,
      actorOf(actor),
      'bulks.retryFailed',
      async (repos) => {
        // A template disabled since (found dangerous, say) is not run again.
        const bulk = await repos.bulks.get(input.id);
        if (bulk.templateId !== null) {
          const template = await repos.templates.get(bulk.templateId);
          if (!template.enabled) {
            throw new InvalidStateError(`template ${template.name} is disabled`);
          }
        }
        return repos.bulks.retryFailed(input.id, {
          includeCanceled: input.includeCanceled ?? false,
          requestedBy: actor.user.id,
          requestedByEmail: actor.user.email,
        });
      },
      (n) => ({
        type: 'bulk',
        id: input.id,
        summary: { runs: n, includeCanceled: input.includeCanceled ?? false },
      }),
    );
    return { bulk: await this.byId(input.id), runs };
  }

  /** Every pending run of the bulk ends as canceled; every running one is stopped. */
  async cancel(actor: Identity, id: number): Promise<BulkCancelResult> {
    const result = await audited(
      this.store,
      actorOf(actor),
      'bulks.cancel',
      (repos) => repos.bulks.cancel(id, `canceled with its bulk by ${actor.user.email}`),
      (r) => ({ type: 'bulk', id, summary: r }),
    );
    return { bulk: await this.byId(id), ...result };
  }

  /**
   * The bulk's progress from `lastEventId` (or from the start): each run as its status
   * changes, in the order the changes were committed, and the counts after each batch;
   * ends once no run is pending or running. Resuming from the id of the last event
   * received loses and repeats nothing.
   */
  async *follow(
    id: number,
    lastEventId: string | null | undefined,
    signal: AbortSignal | undefined,
  ): AsyncGenerator<{ id: string; event: BulkProgressEvent }> {
    const { repos } = this.store;
    await repos.bulks.get(id);
    let cursor = parseProgressId(lastEventId) ?? PROGRESS_START;
    let lastCounts = '';
    let read = true;
    // Once the bulk is seen done, one more pass reads what was committed meanwhile.
    let finishing = false;
    let backoffMs = 5;
    while (!signal?.aborted) {
      // Listen first, then read: a change committed in between wakes us at once.
      const wakeup = this.hub.next(id, signal);
      let readNow = false;
      for (;;) {
        const rows = await repos.bulks.progress(id, cursor, PROGRESS_PAGE);
        if (rows.length > 0) read = readNow = true;
        for (const row of rows) {
          cursor = { xid: row.xid, runId: row.runId };
          yield {
            id: formatProgressId(cursor),
            event: {
              type: 'device',
              runId: row.runId,
              deviceId: row.deviceId,
              hostname: row.hostname,
              status: row.status,
              errorReason: row.errorReason,
            },
          };
        }
        if (rows.length < PROGRESS_PAGE) break;
      }
      // Changes committed but not yet readable in order (an older transaction is still
      // open).
      if (await repos.bulks.changedAfter(id, cursor)) {
        wakeup.cancel();
        // While changes still come through, look again soon; while one transaction holds
        // them all back (a long one, anywhere on the server), less and less often.
        backoffMs = readNow ? 5 : Math.min(backoffMs * 2, 500);
        await sleep(backoffMs);
        continue;
      }
      backoffMs = 5;
      // The counts after what was read (once per batch of changes, and at the start).
      if (read || finishing) {
        read = false;
        const bulk = await repos.bulks.get(id);
        const counts: BulkCounts = bulk.counts;
        const key = JSON.stringify(counts);
        // Counts follow every batch of device events, so that the last event is counts.
        if (key !== lastCounts || readNow) {
          lastCounts = key;
          yield {
            id: formatProgressId(cursor),
            event: { type: 'counts', total: bulk.total, counts, done: bulk.done },
          };
        }
        if (bulk.done) {
          wakeup.cancel();
          // Done, and a pass after that found nothing new: every change has been sent.
          if (finishing && !readNow) return;
          finishing = true;
          continue;
        }
        finishing = false;
      }
      await wakeup.promise;
    }
  }
}
