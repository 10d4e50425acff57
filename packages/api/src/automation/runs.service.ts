import { failedWithoutEffect, InvalidStateError, ValidationError } from '@netauto/db';
import type { Announcement, OutputHub, Wakeup } from '@netauto/worker';
import DataLoader from 'dataloader';
import {
  isTerminalRunStatus,
  renderTemplate,
  type AuditAction,
  type ChunkRange,
  type Page,
  type Run,
  type RunChunk,
  type RunCreateInput,
  type RunCreateRecord,
  type RunDetail,
  type RunListInput,
  type RunOutputEvent,
} from '@netauto/schema';
import { actorOf, audited, redact } from '../audit/audit.js';
import type { Identity } from '../context.js';
import type { Store, Uses } from '../store.js';

/** What runs, their output and their cancelling read and write. */
export type RunsRepos = Uses<{
  runs: 'get' | 'list' | 'create' | 'createMany' | 'finish';
  chunks: 'list' | 'listMany' | 'text';
  templates: 'get';
  devices: 'get';
  queue: 'requestCancel' | 'dropWaiting';
  audit: 'record';
}>;

/** Where a follower waits for news of a run. */
export type RunNews = Pick<OutputHub, 'next' | 'heardEnd'>;

/** Chunks read from the table per round while following a run (4 MiB at most). */
const FOLLOW_BATCH = 64;
/** Chunks read at most in one statement for all the followers woken together. */
const FOLLOW_CHUNKS = 400;

interface ChunkRead {
  runId: number;
  afterSeq: number;
}

/** A run to record, with its audit event. */
interface RunCreation {
  record: RunCreateRecord;
  audit: {
    actorId: number | null;
    actorEmail: string | null;
    action: AuditAction;
    summary: Record<string, unknown>;
  };
}

interface ChunkPage {
  chunks: RunChunk[];
  /** There may be more stored after these: read again at once. */
  more: boolean;
}

export class RunsService {
  /**
   * Followers woken by the same announcements read their new chunks in one statement:
   * reads asked for in one turn of the event loop are batched (not cached).
   */
  private readonly chunkReader: DataLoader<ChunkRead, ChunkPage, string>;
  /** Runs asked for together, recorded together. */
  private readonly creator = new DataLoader<RunCreation, Run>((batch) => this.createBatch(batch), {
    cache: false,
    maxBatchSize: 500,
  });

  constructor(
    private readonly store: Store<RunsRepos>,
    private readonly hub: RunNews,
  ) {
    this.chunkReader = new DataLoader(
      async (reads) => {
        // Up to FOLLOW_CHUNKS chunks in one read in all (100 followers at most), at
        // least a few per run.
        const limit = Math.max(4, Math.min(FOLLOW_BATCH, Math.floor(FOLLOW_CHUNKS / reads.length)));
        const pages = await this.store.repos.chunks.listMany(reads, limit);
        return pages.map((chunks) => ({ chunks, more: chunks.length >= limit }));
      },
      { cache: false, cacheKeyFn: (r) => `${r.runId}:${r.afterSeq}`, maxBatchSize: 100 },
    );
  }

  /**
   * Records a run of a command, or of a template rendered with its variables, queues it
   * and writes its audit event, in one statement. A disabled template is refused; a
   * change-mode template marks the run. Runs asked for together (a client's batch of
   * calls) are recorded in one statement.
   */
  async create(actor: Identity, input: RunCreateInput): Promise<Run> {
    const who = { requestedBy: actor.user.id, requestedByEmail: actor.user.email };
    const record: RunCreateRecord =
      'command' in input
        ? { deviceId: input.deviceId, command: input.command, ...who }
        : {
            ...(await this.rendered(input)),
            deviceId: input.deviceId,
            ...who,
          };
    const { id, email } = actorOf(actor);
    return this.creator.load({
      record,
      audit: {
        actorId: id,
        actorEmail: email,
        action: 'runs.create',
        summary: redact({
          deviceId: record.deviceId,
          templateId: record.templateId ?? null,
          mode: record.mode ?? 'read',
          command: record.command,
        }) as Record<string, unknown>,
      },
    });
  }

  /**
   * Records runs asked for in one turn of the event loop in one statement; when the
   * database refuses it (a missing device, say: nothing of it is kept), each is recorded
   * on its own, so that each caller gets its own answer.
   */
  private async createBatch(batch: readonly RunCreation[]): Promise<(Run | Error)[]> {
    const { repos } = this.store;
    if (batch.length > 1) {
      try {
        return await repos.runs.createMany(batch);
      } catch (error) {
        // One of them was refused, and nothing was kept: on their own below. Otherwise
        // (a lost connection) they may exist: recording them again would run them twice.
        if (!failedWithoutEffect(error)) throw error;
      }
    }
    return Promise.all(
      batch.map((c) =>
        repos.runs
          .create(c.record, { queue: true, audit: c.audit })
          .catch((error: unknown) => (error instanceof Error ? error : new Error(String(error)))),
      ),
    );
  }

  /**
   * A template's command rendered with the variables given (an enabled template only), for
   * the device's platform: quoted for a shell, checked for a network CLI.
   */
  private async rendered(
    input: Extract<RunCreateInput, { templateId: number }>,
  ): Promise<{ templateId: number; command: string; mode: Run['mode'] }> {
    const { repos } = this.store;
    const [template, device] = await Promise.all([
      repos.templates.get(input.templateId),
      repos.devices.get(input.deviceId),
    ]);
    if (!template.enabled) throw new InvalidStateError(`template ${template.name} is disabled`);
    const rendered = renderTemplate(template, input.variables ?? {}, device.platform);
    if (!rendered.ok) {
      throw new ValidationError(
        Object.values(rendered.fieldErrors).flat().join('; '),
        rendered.fieldErrors,
      );
    }
    return { templateId: template.id, command: rendered.command, mode: template.mode };
  }

  list(input: RunListInput): Promise<Page<Run>> {
    return this.store.repos.runs.list(input);
  }

  /** The run alone (no device or template): one read. */
  get(id: number): Promise<Run> {
    return this.store.repos.runs.get(id);
  }

  byId(id: number): Promise<RunDetail> {
    return this.store.repos.runs.get(id, { device: true, template: true });
  }

  async chunks(input: ChunkRange): Promise<RunChunk[]> {
    const { repos } = this.store;
    await repos.runs.get(input.runId);
    return repos.chunks.list(input.runId, input.afterSeq ?? -1, input.limit ?? 100);
  }

  async output(id: number): Promise<string> {
    const { repos } = this.store;
    await repos.runs.get(id);
    return repos.chunks.text(id);
  }

  /**
   * The run now, then again each time its status or counters change, until it ends.
   * Woken by the workers' announcements; a missed one costs at most two seconds.
   */
  async *watch(id: number, signal: AbortSignal | undefined): AsyncGenerator<Run> {
    const { repos } = this.store;
    let last = '';
    while (!signal?.aborted) {
      const wakeup = this.hub.next(id, signal);
      const run = await repos.runs.get(id);
      const key = `${run.status}|${run.updatedAt}`;
      if (key !== last) {
        last = key;
        yield run;
      }
      if (isTerminalRunStatus(run.status)) {
        wakeup.cancel();
        return;
      }
      await wakeup.promise;
    }
  }

  /**
   * A run's output after `afterSeq`: every stored chunk once and in order, then new ones
   * as they land, then the run as it ended. Resuming from the last seq a follower got
   * loses and repeats nothing.
   */
  async *follow(
    id: number,
    afterSeq: number,
    signal: AbortSignal | undefined,
  ): AsyncGenerator<RunOutputEvent> {
    const { repos } = this.store;
    await repos.runs.get(id);
    let last = afterSeq;
    // The run's status is read at first, after its end is announced, and whenever a
    // wait ends without news (an announcement may have been missed): not on each chunk.
    let mayHaveEnded = true;
    // While a full page is sent, the next one is read: the database and the sending
    // overlap on a large output.
    let ahead: { wakeup: Wakeup<Announcement>; page: Promise<ChunkPage> } | undefined;
    const read = (after: number) => {
      // Listen first, then read: a chunk stored in between wakes us at once.
      const wakeup = this.hub.next(id, signal);
      const page = this.chunkReader.load({ runId: id, afterSeq: after });
      // A page read ahead and never awaited (the follower left) must not fail loudly.
      page.catch(() => undefined);
      return { wakeup, page };
    };
    try {
      while (!signal?.aborted) {
        const { wakeup, page } = ahead ?? read(last);
        ahead = undefined;
        const { chunks, more } = await page;
        const lastRead = chunks.at(-1)?.seq;
        if (more && lastRead !== undefined) ahead = read(lastRead);
        for (const chunk of chunks) {
          yield { type: 'chunk', seq: chunk.seq, data: chunk.data };
          last = chunk.seq;
        }
        if (more) {
          wakeup.cancel();
          continue;
        }
        // An end announced between two waits woke nobody; the listener heard it anyway.
        if (mayHaveEnded || this.hub.heardEnd(id)) {
          const run = await repos.runs.get(id);
          // A run ends after its last chunk is stored: once it has ended, read what is left.
          if (isTerminalRunStatus(run.status)) {
            wakeup.cancel();
            if (last >= run.chunkCount - 1) {
              yield { type: 'end', run };
              return;
            }
            continue;
          }
        }
        const note = await wakeup.promise;
        mayHaveEnded = note === undefined || note === 'end';
      }
    } finally {
      ahead?.wakeup.cancel();
    }
  }

  /**
   * Cancels a run: a pending one never starts; a running one is stopped by its worker,
   * which closes the channel at once and ends it as canceled, keeping its output.
   */
  cancel(actor: Identity, id: number): Promise<Run> {
    return audited(
      this.store,
      actorOf(actor),
      'runs.cancel',
      async (repos) => {
        const run = await repos.runs.get(id);
        if (run.status === 'running') {
          await repos.queue.requestCancel(id);
          return run;
        }
        // One statement, so that a run a worker starts meanwhile is never marked canceled.
        const canceled = await repos.runs.finish(
          id,
          { status: 'error', reason: 'canceled', message: `canceled by ${actor.user.email}` },
          ['pending'],
        );
        // Its job would only find a finished run: it leaves the queue with it.
        await repos.queue.dropWaiting([id]);
        return canceled;
      },
      (r) => ({ type: 'run', id: r.id, summary: { status: r.status } }),
    );
  }
}
