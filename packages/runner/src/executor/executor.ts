import { InvalidStateError, repositories, type Database } from '@netauto/db';
import type { Run } from '@netauto/schema';
import { RunError } from '../errors.js';
import type { DeviceAccess } from '../execute.js';
import { ChunkWriter } from './chunk-writer.js';

export interface ExecutorDeps {
  db: Database;
  access: DeviceAccess;
  /** How often output is stored while it flows (default 100 ms). */
  flushMs?: number;
  /** Who runs it, for the heartbeat that tells a dead worker's runs apart. */
  workerId?: string;
  /** Runs at once in all, and per site, across every process (default 50 and 5). */
  quota?: { global: number; perSite: number };
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
  const detail = await repos.runs.get(runId, { device: true, template: true });
  if (detail.status !== 'pending' || !detail.device) return 'not_pending';
  try {
    const started = await repos.runs.startWithinQuota(
      runId,
      deps.workerId,
      deps.quota ?? { global: 50, perSite: 5 },
    );
    if (started === 'over') return 'over_quota';
  } catch (error) {
    // Canceled or started elsewhere between the read and the start.
    if (error instanceof InvalidStateError) return 'not_pending';
    throw error;
  }

  await repos.queue.announceOutput(runId, 'start');
  const writer = new ChunkWriter(
    async (pieces) => {
      const stored = await repos.chunks.append(runId, pieces);
      const last = stored.at(-1);
      if (last) await repos.queue.announceOutput(runId, last.seq);
    },
    { intervalMs: deps.flushMs ?? 100 },
  );

  let outcome: { exitCode: number } | RunError;
  try {
    const result = await deps.access.execute(detail.device, detail.command, {
      onChunk: (text) => {
        writer.write(text);
      },
      signal,
      timeouts: { commandMs: detail.template?.commandTimeoutMs ?? undefined },
    });
    outcome = { exitCode: result.exitCode };
  } catch (error) {
    outcome =
      error instanceof RunError
        ? error
        : new RunError('connection_lost', 'the run failed unexpectedly in the worker');
  }
  // Output produced before a failure is kept.
  await writer.close();
  const finished =
    outcome instanceof RunError
      ? await repos.runs.finish(runId, {
          status: 'error',
          reason: outcome.reason,
          message: outcome.message,
        })
      : await repos.runs.finish(runId, { status: 'ok', exitCode: outcome.exitCode });
  await repos.queue.announceOutput(runId, 'end');
  return finished;
}
