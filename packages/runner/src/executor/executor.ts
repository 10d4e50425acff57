import {
  InvalidStateError,
  NotFoundError,
  repositories,
  storedText,
  type Database,
} from '@netauto/db';
import { createHash } from 'node:crypto';
import { MAX_CHUNK_BYTES, type Run } from '@netauto/schema';
import { RunError } from '../errors.js';
import type { DeviceAccess } from '../execute.js';
import { ChunkWriter } from './chunk-writer.js';
import type { StoreBatcher } from './store-batcher.js';

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
  // Started (within the quotas) and read in one statement: the run, its device and its
  // template's command timeout.
  let started: Awaited<ReturnType<typeof repos.runs.startForWorker>>;
  try {
    started = await repos.runs.startForWorker(
      runId,
      deps.workerId,
      deps.quota ?? { global: 50, perSite: 5 },
    );
    if (started === 'over') return 'over_quota';
  } catch (error) {
    // Canceled, started elsewhere or purged since it was queued.
    if (error instanceof InvalidStateError || error instanceof NotFoundError) return 'not_pending';
    throw error;
  }
  const { run, device, commandTimeoutMs } = started;

  // Output waits in memory while it is stored; past this much the device is slowed.
  const backlogLimit = deps.backlogBytes ?? 64 * MAX_CHUNK_BYTES;
  const writer = new ChunkWriter(
    (text) => (deps.store ? deps.store.store(runId, text) : repos.chunks.store(runId, text)),
    {
      intervalMs: deps.flushMs ?? 25,
    },
  );

  // The SHA-256 of the whole output as stored, so that identical outputs group at no cost.
  const hash = createHash('sha256');
  let outcome: { exitCode: number } | RunError;
  try {
    const result = await deps.access.execute(device, run.command, {
      onChunk: (text) => {
        hash.update(storedText(text), 'utf8');
        writer.write(text);
        return writer.backlogBytes > backlogLimit ? writer.whenBelow(backlogLimit / 2) : undefined;
      },
      signal,
      timeouts: { commandMs: commandTimeoutMs ?? undefined },
    });
    outcome = { exitCode: result.exitCode };
  } catch (error) {
    outcome =
      error instanceof RunError
        ? error
        : new RunError('connection_lost', 'the run failed unexpectedly in the worker');
  }
  // Output produced before a failure is kept; what is left is stored with the end.
  const rest = await writer.drain();
  const finished = await repos.runs.complete(
    runId,
    outcome instanceof RunError
      ? {
          status: 'error',
          reason: outcome.reason,
          message: outcome.message,
          exitCode: outcome.exitCode,
        }
      : { status: 'ok', exitCode: outcome.exitCode },
    rest,
    hash.digest('hex'),
  );
  return finished;
}
