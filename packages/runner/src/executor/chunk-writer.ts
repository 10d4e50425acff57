import { MAX_CHUNK_BYTES } from '@netauto/schema';

/** Where stored output goes: one statement per batch, then a wake-up for followers. */
export type StoreBatch = (pieces: string[]) => Promise<void>;

export interface ChunkWriterOptions {
  /** Flush at least this often while output flows (default 100 ms). */
  intervalMs?: number;
  /** Flush as soon as this much is waiting (default 64 KiB, one chunk). */
  maxBufferedBytes?: number;
}

/**
 * Collects a run's output as it arrives and stores it in batches: at the latest every
 * `intervalMs` while output flows, at once when a chunk's worth is waiting, and never
 * more than one batch in flight, so order is kept and a slow database slows only
 * this run's storing, not its reading.
 */
export class ChunkWriter {
  private pending: string[] = [];
  private pendingBytes = 0;
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> = Promise.resolve();
  private failure: Error | undefined;

  constructor(
    private readonly store: StoreBatch,
    private readonly options: ChunkWriterOptions = {},
  ) {}

  write(text: string): void {
    if (text.length === 0) return;
    this.pending.push(text);
    this.pendingBytes += Buffer.byteLength(text, 'utf8');
    if (this.pendingBytes >= (this.options.maxBufferedBytes ?? MAX_CHUNK_BYTES)) {
      this.flushSoon(0);
    } else {
      this.flushSoon(this.options.intervalMs ?? 100);
    }
  }

  /** Stores everything written so far; rejects if any batch could not be stored. */
  async close(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.flush();
    await this.inFlight;
    if (this.failure !== undefined) throw this.failure;
  }

  private flushSoon(delayMs: number): void {
    if (delayMs === 0) {
      clearTimeout(this.timer);
      this.timer = undefined;
      this.flush();
      return;
    }
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      this.flush();
    }, delayMs);
  }

  private flush(): void {
    if (this.pending.length === 0) return;
    // Small pieces are joined into chunks of up to 64 KiB; the store splits larger ones.
    const batch = joinPieces(this.pending, this.options.maxBufferedBytes ?? MAX_CHUNK_BYTES);
    this.pending = [];
    this.pendingBytes = 0;
    this.inFlight = this.inFlight.then(() =>
      this.store(batch).catch((error: unknown) => {
        this.failure ??= error instanceof Error ? error : new Error(String(error));
      }),
    );
  }
}

/** Joins pieces into as few texts as possible, each at most `max` bytes (if it can be). */
export function joinPieces(pieces: readonly string[], max: number): string[] {
  const out: string[] = [];
  let current = '';
  let currentBytes = 0;
  for (const piece of pieces) {
    const bytes = Buffer.byteLength(piece, 'utf8');
    if (currentBytes > 0 && currentBytes + bytes > max) {
      out.push(current);
      current = '';
      currentBytes = 0;
    }
    current += piece;
    currentBytes += bytes;
  }
  if (currentBytes > 0) out.push(current);
  return out;
}
