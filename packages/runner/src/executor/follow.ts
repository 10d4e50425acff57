import { OUTPUT_CHANNEL } from '@netauto/db';
import pg from 'pg';

/** What a run's announcement said: a chunk's seq, 'start' or 'end'. */
export type Announcement = number | 'start' | 'end';

export interface Wakeup {
  /**
   * Resolves at the next announcement for the run with what it said, or with undefined
   * after `timeoutMs` or on abort (then anything may have happened meanwhile).
   */
  promise: Promise<Announcement | undefined>;
  /** Stops waiting (and frees the waiter). */
  cancel(): void;
}

/**
 * One LISTEN connection per process that wakes everyone following a run's output.
 * Followers read what is new from the table themselves; a notification only says that
 * there is something to read, so a missed one costs at most one timeout.
 */
export class OutputHub {
  private client: pg.Client | undefined;
  private connecting: Promise<void> | undefined;
  private readonly waiters = new Map<number, Set<(note?: Announcement) => void>>();
  private stopped = false;

  constructor(private readonly url: string) {}

  /** Waits for news of a run. Call it before reading, so that nothing falls in between. */
  next(runId: number, signal: AbortSignal | undefined, timeoutMs = 2000): Wakeup {
    let wake: (note: Announcement | undefined) => void = () => undefined;
    const promise = new Promise<Announcement | undefined>((resolve) => {
      wake = resolve;
    });
    const set = this.waiters.get(runId) ?? new Set();
    this.waiters.set(runId, set);
    const timer = setTimeout(() => {
      done();
    }, timeoutMs);
    const done = (note?: Announcement) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      set.delete(done);
      if (set.size === 0) this.waiters.delete(runId);
      wake(note);
    };
    const onAbort = () => {
      done();
    };
    set.add(done);
    signal?.addEventListener('abort', onAbort, { once: true });
    void this.connect();
    return {
      promise,
      cancel: () => {
        done();
      },
    };
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
        const [id = '', what = ''] = (note.payload ?? '').split(':');
        const said: Announcement | undefined =
          what === 'start' || what === 'end' ? what : /^\d+$/.test(what) ? Number(what) : undefined;
        for (const wake of [...(this.waiters.get(Number(id)) ?? [])]) wake(said);
      });
      // A lost connection is made again by the next follower; timeouts cover the gap.
      client.on('error', () => {
        if (this.client === client) this.client = undefined;
      });
      try {
        await client.connect();
        await client.query(`LISTEN ${OUTPUT_CHANNEL}`);
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
