import {
  InvalidStateError,
  NotFoundError,
  repositories,
  storedText,
  type Database,
  type RunOutcome,
} from '@netauto/db';
import { createHash } from 'node:crypto';
import { MAX_CHUNK_BYTES, type Run } from '@netauto/schema';
import { type DeviceAccess, RunError } from '@netauto/device-access';
import { ChunkWriter } from './chunk-writer.js';
import { DatabaseContact } from './contact.js';
import type { StoreBatcher } from './store-batcher.js';

/** Output a run may hold in memory while the database is unreachable (16 MiB). */
export const OUTAGE_OUTPUT_MAX_BYTES = 16 * 1024 * 1024;

export interface ExecutorDeps {
  db: Database;
  access: DeviceAccess;
  /** Output is stored at the latest this long after it came (default 25 ms). */
  flushMs?: number;
  /** Output waiting to be stored past which the device is slowed (default 4 MiB). */
  backlogBytes?: number;
  /** Who runs it, for the heartbeat that tells a dead worker's runs apart. */
  workerId?: string;
  /** Runs at once in all, and per site, across every process (default 50 and 5). */
  quota?: { global: number; perSite: number };
  /** Stores the output of this process's runs together (default: each on its own). */
  store?: StoreBatcher;
  /** This process's view of the database, told of every statement that cannot reach it. */
  contact?: DatabaseContact;
  /**
   * Output held in memory while the database is unreachable, past which the run ends
   * as output_limit with what it held (default 16 MiB).
   */
  outageOutputMaxBytes?: number;
}

/** Why a run was not executed now. */
export type NotRun = 'not_pending' | 'over_quota';

/**
 * Runs one pending run to its end: pending → running → ok | error, with every byte of
 * output stored in order as it arrives and announced to followers. A device that
 * fails is a result, not an exception: the run ends as error with its reason. Resolves
 * with the finished run, 'not_pending' when the run was canceled or taken by another
 * worker, or 'over_quota' when it must wait for a quota (it stays pending).
 */
export async function executeRun(
  deps: ExecutorDeps,
  runId: number,
  signal?: AbortSignal,
): Promise<Run | NotRun> {
  const repos = repositories(deps.db);
  // Every statement of a run is retried while the database is unreachable: the run goes
  // on, its output waits in memory, and it is stored (each chunk once) when it is back.
  const contact = deps.contact ?? new DatabaseContact();
  // Started (within the quotas) and read in one statement: the run, its device and its
  // template's command timeout.
  let started: Awaited<ReturnType<typeof repos.runs.startForWorker>>;
  try {
    started = await contact.retry(() =>
      repos.runs.startForWorker(runId, deps.workerId, deps.quota ?? { global: 50, perSite: 5 }),
    );
    if (started === 'over') return 'over_quota';
  } catch (error) {
    // Canceled, started elsewhere or purged since it was queued.
    if (error instanceof InvalidStateError || error instanceof NotFoundError) return 'not_pending';
    throw error;
  }
  const { run, device, commandTimeoutMs } = started;

  // Output waits in memory while it is stored; past this much the device is slowed,
  // unless the database is away: then it is held, up to its own bound.
  const backlogLimit = deps.backlogBytes ?? 64 * MAX_CHUNK_BYTES;
  const heldLimit = deps.outageOutputMaxBytes ?? OUTAGE_OUTPUT_MAX_BYTES;
  // The seq of the next chunk: each store says where its output starts, so that one
  // sent again after a lost connection is stored once.
  let nextSeq = run.chunkCount;
  // Whether this run's last store failed for the database being unreachable; who waits
  // for the backlog to shrink is let go when it does.
  let away = false;
  let letGo: (() => void)[] = [];
  const storeBatch = (text: string, first: number) =>
    deps.store ? deps.store.store(runId, text, first) : repos.chunks.store(runId, text, first);
  const writer = new ChunkWriter(
    async (text) => {
      const last = await contact.retry(
        () => storeBatch(text, nextSeq),
        () => {
          away = true;
          for (const go of letGo.splice(0)) go();
        },
      );
      away = false;
      if (last !== undefined) nextSeq = last + 1;
    },
    {
      intervalMs: deps.flushMs ?? 25,
    },
  );

  // The SHA-256 of the whole output as stored, so that identical outputs group at no cost.
  const hash = createHash('sha256');
  // Ends the run when more output waits than may be held while the database is away.
  const overHeld = new AbortController();
  let outcome: { exitCode: number } | RunError;
  try {
    const result = await deps.access.execute(device, run.command, {
      onChunk: (text) => {
        if (overHeld.signal.aborted) return undefined;
        if (away && writer.backlogBytes + Buffer.byteLength(text, 'utf8') > heldLimit) {
          overHeld.abort();
          return undefined;
        }
        hash.update(storedText(text), 'utf8');
        writer.write(text);
        if (away || writer.backlogBytes <= backlogLimit) return undefined;
        return Promise.race([
          writer.whenBelow(backlogLimit / 2),
          new Promise<void>((resolve) => letGo.push(resolve)),
        ]).finally(() => {
          letGo = [];
        });
      },
      signal: signal ? AbortSignal.any([signal, overHeld.signal]) : overHeld.signal,
      timeouts: { commandMs: commandTimeoutMs ?? undefined },
    });
    outcome = { exitCode: result.exitCode };
  } catch (error) {
    outcome =
      error instanceof RunError
        ? error
        : new RunError('connection_lost', 'the run failed unexpectedly in the worker');
  }
  if (overHeld.signal.aborted && !signal?.aborted) {
    outcome = new RunError(
      'output_limit',
      `the output could not be stored while the database was unreachable: more than ${heldLimit} bytes waited, and the run was stopped`,
    );
  }
  // Output produced before a failure is kept; what is left is stored with the end,
  // which is tried until the database takes it.
  const rest = await writer.drain();
  const end: RunOutcome =
    outcome instanceof RunError
      ? {
          status: 'error',
          reason: outcome.reason,
          message: outcome.message,
          exitCode: outcome.exitCode,
        }
      : { status: 'ok', exitCode: outcome.exitCode };
  const digest = hash.digest('hex');
  return contact.retry(() => repos.runs.complete(runId, end, rest, digest, nextSeq));
}
