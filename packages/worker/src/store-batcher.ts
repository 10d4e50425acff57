import { failedWithoutEffect, repositories, type Database } from '@netauto/db';
import DataLoader from 'dataloader';

interface Batch {
  runId: number;
  text: string;
  /** The seq its first chunk gets (see ChunksRepo.store). */
  first: number | undefined;
}

/**
 * Stores the output batches of a process's runs: those flushed in the same turn of the
 * event loop go in one statement (one commit and one round of announcements for many
 * runs, as when many devices print at the same moment). When the server refuses that
 * statement, or it leaves a run out (no longer running), each is stored on its own, so
 * that each run gets its own answer.
 */
export class StoreBatcher {
  private readonly loader: DataLoader<Batch, number | undefined>;

  constructor(private readonly db: Database) {
    // At most 50 runs a statement: 50 MiB at the most (a run's batch is 1 MiB at most).
    this.loader = new DataLoader((batches) => this.storeAll(batches), {
      cache: false,
      // After this turn's timers and I/O: runs whose timers fired together share a batch.
      batchScheduleFn: (dispatch) => setImmediate(dispatch),
      maxBatchSize: 50,
    });
  }

  /**
   * Stores a run's output; resolves with its last seq (undefined if there was none).
   * With `first`, a store sent again after a lost connection is stored once.
   */
  store(runId: number, text: string, first?: number): Promise<number | undefined> {
    return this.loader.load({ runId, text, first });
  }

  private async storeAll(batches: readonly Batch[]): Promise<(number | undefined | Error)[]> {
    const repos = repositories(this.db);
    const one = (b: Batch) =>
      repos.chunks
        .store(b.runId, b.text, b.first)
        .catch((error: unknown) => (error instanceof Error ? error : new Error(String(error))));
    // One batch at a time per run, so a run is here once; a single one goes as it is.
    if (batches.length === 1 || new Set(batches.map((b) => b.runId)).size !== batches.length) {
      return Promise.all(batches.map(one));
    }
    let stored: (number | undefined)[];
    try {
      stored = await repos.chunks.storeMany(
        batches.map((b) => ({
          runId: b.runId,
          output: b.text,
          ...(b.first !== undefined && { first: b.first }),
        })),
      );
    } catch (error) {
      // Refused by the server (so nothing of it was kept): each on its own. Otherwise it
      // may have been stored: storing again would repeat output, so each run fails.
      if (failedWithoutEffect(error)) return Promise.all(batches.map(one));
      throw error;
    }
    // A run left out is no longer running, or was stored by an earlier attempt: on its
    // own, it is told which.
    return Promise.all(
      batches.map((b, i) => {
        const last = stored[i];
        return last !== undefined || b.text === '' ? Promise.resolve(last) : one(b);
      }),
    );
  }
}
