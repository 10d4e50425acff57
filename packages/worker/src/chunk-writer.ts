import { MAX_CHUNK_BYTES } from '@netauto/schema';

/**
 * Where stored output goes: one statement per batch (which cuts it into chunks), then a
 * wake-up for followers.
 */
export type StoreBatch = (text: string) => Promise<unknown>;

export interface ChunkWriterOptions {
  /** Store what has come at the latest this long after the last store (default 25 ms). */
  intervalMs?: number;
  /**
   * After a quiet spell, store this soon after output comes (default 5 ms): long enough
   * to gather a burst's packets (and, for a short command, its end), short enough that
   * a line printed now and then is seen at once.
   */
  quietDelayMs?: number;
  /** Store at once when this much is waiting (default 64 KiB, one chunk). */
  chunkBytes?: number;
  /** The most one statement stores (default 1 MiB); more waits for the next. */
  maxBatchBytes?: number;
}

/**
 * Collects a run's output as it arrives and stores it in batches: at the latest
 * `intervalMs` after it came, at once when a chunk's worth is waiting, and never more
 * than one batch in flight, so order is kept. While a batch is being stored, what
 * comes meanwhile waits and goes in the next one: a slow database gets fewer, larger
 * statements rather than a queue of small ones.
 */
export class ChunkWriter {
  private pending: string[] = [];
  /** The size in bytes of each pending piece. */
  private sizes: number[] = [];
  private pendingBytes = 0;
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> | undefined;
  private inFlightBytes = 0;
  /** When the last batch was taken to be stored. */
  private lastFlushAt = Number.NEGATIVE_INFINITY;
  private failure: Error | undefined;
  private readonly waiters: { bytes: number; resolve: () => void }[] = [];

  constructor(
    private readonly store: StoreBatch,
    private readonly options: ChunkWriterOptions = {},
  ) {}

  /** Bytes written and not stored yet (waiting or in flight). */
  get backlogBytes(): number {
    return this.pendingBytes + this.inFlightBytes;
  }

  /** Resolves once the backlog is down to `bytes` (or storing has failed). */
  whenBelow(bytes: number): Promise<void> {
    if (this.backlogBytes <= bytes || this.failure) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ bytes, resolve }));
  }

  write(text: string): void {
    if (text.length === 0) return;
    const size = Buffer.byteLength(text, 'utf8');
    this.pending.push(text);
    this.sizes.push(size);
    this.pendingBytes += size;
    if (this.pendingBytes >= (this.options.chunkBytes ?? MAX_CHUNK_BYTES)) {
      clearTimeout(this.timer);
      this.timer = undefined;
      this.flush();
    } else {
      this.flushLater();
    }
  }

  /** Arms the timer: a quiet delay after a quiet spell, else the rest of the interval. */
  private flushLater(): void {
    if (this.timer) return;
    const sinceLast = performance.now() - this.lastFlushAt;
    const delay = Math.max(
      this.options.quietDelayMs ?? 5,
      (this.options.intervalMs ?? 25) - sinceLast,
    );
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.flush();
    }, delay);
  }

  /**
   * Waits for the batch in flight and hands back what was not stored yet, for the caller to store with the run's end. Rejects if a batch could
   * not be stored.
   */
  async drain(): Promise<string> {
    clearTimeout(this.timer);
    this.timer = undefined;
    while (this.inFlight) await this.inFlight;
    if (this.failure !== undefined) throw this.failure;
    const rest = this.pending.join('');
    this.pending = [];
    this.sizes = [];
    this.pendingBytes = 0;
    return rest;
  }

  /** Stores everything written so far; rejects if any batch could not be stored. */
  async close(): Promise<void> {
    const rest = await this.drain();
    if (rest.length > 0) await this.store(rest);
  }

  private flush(): void {
    if (this.inFlight || this.pending.length === 0 || this.failure) return;
    const max = this.options.maxBatchBytes ?? 16 * MAX_CHUNK_BYTES;
    // Take up to a batch's worth; the rest waits for the next statement.
    let taken = 0;
    let bytes = 0;
    while (taken < this.pending.length && bytes < max) {
      bytes += this.sizes[taken] ?? 0;
      taken += 1;
    }
    const batch = this.pending.slice(0, taken).join('');
    this.lastFlushAt = performance.now();
    this.pending = this.pending.slice(taken);
    this.sizes = this.sizes.slice(taken);
    this.pendingBytes -= bytes;
    this.inFlightBytes = bytes;
    this.inFlight = this.store(batch).then(
      () => {
        this.settle();
      },
      (error: unknown) => {
        this.failure ??= error instanceof Error ? error : new Error(String(error));
        this.settle();
      },
    );
  }

  private settle(): void {
    this.inFlight = undefined;
    this.inFlightBytes = 0;
    for (const waiter of this.waiters.splice(0)) {
      if (this.backlogBytes <= waiter.bytes || this.failure) waiter.resolve();
      else this.waiters.push(waiter);
    }
    // What came while storing goes now if a chunk's worth is waiting, else on time.
    if (this.pendingBytes >= (this.options.chunkBytes ?? MAX_CHUNK_BYTES)) this.flush();
    else if (this.pending.length > 0) this.flushLater();
  }
}
