import { BULK_PROGRESS_CHANNEL, OUTPUT_CHANNEL } from '@netauto/db';
import pg from 'pg';

export interface Wakeup<T = undefined> {
  /**
   * Resolves at the next announcement with what it said, or with undefined after the
   * timeout or on abort (then anything may have happened meanwhile).
   */
  promise: Promise<T | undefined>;
  /** Stops waiting (and frees the waiter). */
  cancel(): void;
}

/** What a run's announcement said: a chunk's seq, 'start' or 'end'. */
export type Announcement = number | 'start' | 'end';

/** How each channel's payload names what it is about, and what it says of it. */
const CHANNELS: Record<string, (payload: string) => { id: number; said: unknown }> = {
  // `runId:lastSeq`, `runId:start` or `runId:end`.
  [OUTPUT_CHANNEL]: (payload) => {
    const [id = '', what = ''] = payload.split(':');
    const said: Announcement | undefined =
      what === 'start' || what === 'end' ? what : /^\d+$/.test(what) ? Number(what) : undefined;
    return { id: Number(id), said };
  },
  // The bulk's id.
  [BULK_PROGRESS_CHANNEL]: (payload) => ({ id: Number(payload), said: undefined }),
};

type Waiter = (said?: unknown) => void;

/** Ends remembered at most (then the older half is forgotten). */
const MAX_ENDS = 10_000;

/**
 * One LISTEN connection per process, on every channel NetAuto announces on, that wakes
 * whoever waits for news of a run or a bulk. Waiters read what is new from the tables
 * themselves; an announcement only says that there is something to read, so a missed
 * one costs at most one timeout. A lost connection (the database restarted) is made
 * again every second until it is back, and then every waiter is woken to read what was
 * announced meanwhile.
 */
export class Listener {
  private client: pg.Client | undefined;
  private connecting: Promise<void> | undefined;
  /** Set once a connection was lost, until one is made again. */
  private lost = false;
  private retry: NodeJS.Timeout | undefined;
  private readonly waiters = new Map<string, Set<Waiter>>();
  /**
   * The runs (channel and id) heard to have ended, the oldest first: an end announced
   * while its follower was busy reading is not lost.
   */
  private readonly ended = new Set<string>();
  private stopped = false;

  constructor(private readonly url: string) {}

  /** Waits for news on `channel` of `id`. Call it before reading, so nothing falls between. */
  next<T>(
    channel: string,
    id: number,
    signal: AbortSignal | undefined,
    timeoutMs: number,
  ): Wakeup<T> {
    const key = `${channel}:${id}`;
    let wake: (said: T | undefined) => void = () => undefined;
    const promise = new Promise<T | undefined>((resolve) => {
      wake = resolve;
    });
    const set = this.waiters.get(key) ?? new Set<Waiter>();
    this.waiters.set(key, set);
    const timer = setTimeout(() => {
      done();
    }, timeoutMs);
    let finished = false;
    const done: Waiter = (said) => {
      // Once only: a cancel after the wake-up must not touch the waiters of later calls.
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      set.delete(done);
      if (set.size === 0 && this.waiters.get(key) === set) this.waiters.delete(key);
      wake(said as T | undefined);
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

  /** Whether `id` was heard to say 'end' on `channel` (lately: the last 10,000 ends). */
  heardEnd(channel: string, id: number): boolean {
    return this.ended.has(`${channel}:${id}`);
  }

  private noteEnd(key: string): void {
    this.ended.add(key);
    if (this.ended.size > MAX_ENDS) {
      for (const old of this.ended) {
        this.ended.delete(old);
        if (this.ended.size <= MAX_ENDS / 2) break;
      }
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retry);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  private connect(): Promise<void> {
    if (this.client || this.stopped) return Promise.resolve();
    this.connecting ??= (async () => {
      const client = new pg.Client({ connectionString: this.url });
      client.on('notification', (note) => {
        const parse = CHANNELS[note.channel];
        if (!parse) return;
        const { id, said } = parse(note.payload ?? '');
        if (said === 'end') this.noteEnd(`${note.channel}:${id}`);
        for (const wake of [...(this.waiters.get(`${note.channel}:${id}`) ?? [])]) wake(said);
      });
      client.on('error', () => {
        if (this.client !== client) return;
        this.client = undefined;
        this.lost = true;
        void client.end().catch(() => undefined);
        this.reconnectSoon();
      });
      try {
        await client.connect();
        await client.query(
          Object.keys(CHANNELS)
            .map((c) => `LISTEN ${c}`)
            .join('; '),
        );
        if (this.stopped) await client.end();
        else this.client = client;
      } catch {
        await client.end().catch(() => undefined);
      } finally {
        this.connecting = undefined;
      }
      if (this.client === client && this.lost) {
        // Back after a loss: what was announced meanwhile was missed, so every waiter
        // reads now.
        this.lost = false;
        for (const set of [...this.waiters.values()]) for (const wake of [...set]) wake();
      } else if (this.client === undefined && this.lost) {
        this.reconnectSoon();
      }
    })();
    return this.connecting;
  }

  private reconnectSoon(): void {
    if (this.stopped || this.retry) return;
    this.retry = setTimeout(() => {
      this.retry = undefined;
      void this.connect();
    }, 1000);
    // A process with nothing else to do may end meanwhile.
    this.retry.unref();
  }
}

/** Followers of runs' output and status wait here (on the process's one Listener). */
export class OutputHub {
  readonly listener: Listener;

  constructor(source: string | Listener) {
    this.listener = typeof source === 'string' ? new Listener(source) : source;
  }

  /** Waits for news of a run: what it said, or undefined on timeout or abort. */
  next(runId: number, signal: AbortSignal | undefined, timeoutMs = 2000): Wakeup<Announcement> {
    return this.listener.next<Announcement>(OUTPUT_CHANNEL, runId, signal, timeoutMs);
  }

  /**
   * Whether the run's end was announced to this process (an end heard while nobody
   * waited counts too). False does not mean it has not ended: an announcement may be
   * missed, which the waits' timeout covers.
   */
  heardEnd(runId: number): boolean {
    return this.listener.heardEnd(OUTPUT_CHANNEL, runId);
  }

  stop(): Promise<void> {
    return this.listener.stop();
  }
}

/** Followers of a bulk's progress wait here: any change to one of its runs wakes them. */
export class BulkProgressHub {
  readonly listener: Listener;

  constructor(source: string | Listener) {
    this.listener = typeof source === 'string' ? new Listener(source) : source;
  }

  next(bulkId: number, signal: AbortSignal | undefined, timeoutMs = 2000): Wakeup {
    return this.listener.next<undefined>(BULK_PROGRESS_CHANNEL, bulkId, signal, timeoutMs);
  }

  stop(): Promise<void> {
    return this.listener.stop();
  }
}
