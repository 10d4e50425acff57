import { BULK_PROGRESS_CHANNEL } from '@netauto/db';
import pg from 'pg';

export interface ProgressWakeup {
  /** Resolves at the next change to the bulk, after `timeoutMs`, or on abort. */
  promise: Promise<void>;
  /** Stops waiting (and frees the waiter). */
  cancel(): void;
}

/**
 * One LISTEN connection per process that wakes everyone following a bulk's progress.
 * The database announces a bulk whenever one of its runs is added or changes status;
 * followers read what changed themselves, so a missed announcement costs one timeout.
 */
export class BulkProgressHub {
  private client: pg.Client | undefined;
  private connecting: Promise<void> | undefined;
  private readonly waiters = new Map<number, Set<() => void>>();
  private stopped = false;

  constructor(private readonly url: string) {}

  /** Waits for news of a bulk. Call it before reading, so that nothing falls in between. */
  next(bulkId: number, signal: AbortSignal | undefined, timeoutMs = 2000): ProgressWakeup {
    let wake: () => void = () => undefined;
    const promise = new Promise<void>((resolve) => {
      wake = resolve;
    });
    const set = this.waiters.get(bulkId) ?? new Set();
    this.waiters.set(bulkId, set);
    const timer = setTimeout(() => {
      done();
    }, timeoutMs);
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      set.delete(done);
      if (set.size === 0) this.waiters.delete(bulkId);
      wake();
    };
    set.add(done);
    signal?.addEventListener('abort', done, { once: true });
    void this.connect();
    return { promise, cancel: done };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  private connect(): Promise<void> {
    if (this.client || this.stopped) return Promise.resolve();
    this.connecting ??= (async () => {
      const client = new pg.Client({ connectionString: this.url });
      client.on('notification', (note) => {
        const bulkId = Number(note.payload);
        for (const wake of [...(this.waiters.get(bulkId) ?? [])]) wake();
      });
      client.on('error', () => {
        if (this.client === client) this.client = undefined;
      });
      try {
        await client.connect();
        await client.query(`LISTEN ${BULK_PROGRESS_CHANNEL}`);
        if (this.stopped) await client.end();
        else this.client = client;
      } catch {
        await client.end().catch(() => undefined);
      } finally {
        this.connecting = undefined;
      }
    })();
    return this.connecting;
  }
}
