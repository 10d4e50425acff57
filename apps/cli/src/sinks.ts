import { createWriteStream, type WriteStream } from 'node:fs';
import path from 'node:path';
import cliProgress from 'cli-progress';
import type { BulkCounts } from '@netauto/schema';
import { CliError } from './errors.js';
import type { Output } from './output.js';

/** Where one run's output goes. */
export interface Sink {
  write(data: string): void;
  /** Writes what is left and closes; resolves once it is all written. */
  end(): Promise<void>;
}

/** Straight to stdout, as the device printed it. */
export class StdoutSink implements Sink {
  private last = '';
  constructor(private readonly out: Output) {}
  write(data: string): void {
    if (data) this.last = data;
    this.out.write(data);
  }
  end(): Promise<void> {
    // A prompt that follows should start on its own line.
    if (this.last && !this.last.endsWith('\n') && this.out.stdout.isTTY) this.out.write('\n');
    return Promise.resolve();
  }
}

/** Kept in memory (for --json). */
export class MemorySink implements Sink {
  text = '';
  write(data: string): void {
    this.text += data;
  }
  end(): Promise<void> {
    return Promise.resolve();
  }
}

/** One file per device. */
export class FileSink implements Sink {
  private readonly stream: WriteStream;
  private failure: NodeJS.ErrnoException | undefined;
  constructor(readonly file: string) {
    this.stream = createWriteStream(file);
    // A folder that cannot be written, or a full disk, is said at the end, not a crash.
    this.stream.on('error', (error: NodeJS.ErrnoException) => {
      this.failure ??= error;
    });
  }
  write(data: string): void {
    if (!this.failure) this.stream.write(data);
  }
  end(): Promise<void> {
    return new Promise((resolve, reject) => {
      const done = () => {
        if (this.failure) {
          reject(
            new CliError(
              `could not write ${this.file} (${this.failure.code ?? this.failure.message}): check --out-dir`,
            ),
          );
        } else resolve();
      };
      if (this.failure || this.stream.destroyed) done();
      else this.stream.end(done);
    });
  }
}

/** Whole lines, each with the device's name in front (`r1 | line`). */
export class PrefixSink implements Sink {
  private partial = '';
  constructor(
    private readonly prefix: string,
    private readonly writeLine: (line: string) => void,
  ) {}
  write(data: string): void {
    const text = this.partial + data;
    const lines = text.split('\n');
    this.partial = lines.pop() ?? '';
    for (const line of lines) this.writeLine(`${this.prefix} ${line.replace(/\r$/, '')}`);
  }
  end(): Promise<void> {
    if (this.partial) this.writeLine(`${this.prefix} ${this.partial}`);
    this.partial = '';
    return Promise.resolve();
  }
}

/** A file name for a device's output in --out-dir: its hostname, made unique. */
export class FileNames {
  private readonly used = new Set<string>();
  constructor(private readonly dir: string) {}
  for(hostname: string, deviceId: number): string {
    const safe = hostname.replace(/[^A-Za-z0-9._-]/g, '_');
    let name = `${safe}.txt`;
    if (this.used.has(name)) name = `${safe}-${deviceId}.txt`;
    this.used.add(name);
    return path.join(this.dir, name);
  }
}

/**
 * The progress of a bulk on stderr: a live bar on a terminal; elsewhere a line each
 * time the counts change.
 */
export class BulkProgress {
  private readonly bars: cliProgress.MultiBar | undefined;
  private readonly bar: cliProgress.SingleBar | undefined;
  private lastLine = '';

  constructor(
    private readonly out: Output,
    private readonly total: number,
  ) {
    if (out.stderr.isTTY) {
      this.bars = new cliProgress.MultiBar(
        {
          stream: out.stderr,
          format: `{bar} {value}/{total} | ${out.err.green('ok {ok}')} | ${out.err.red('error {error}')} | running {running} | pending {pending}`,
          hideCursor: true,
          clearOnComplete: false,
          stopOnComplete: false,
          barsize: 20,
          etaBuffer: 50,
        },
        cliProgress.Presets.shades_classic,
      );
      this.bar = this.bars.create(total, 0, { ok: 0, error: 0, running: 0, pending: total });
    }
  }

  /** With a live bar, lines for the terminal are written above it. */
  get live(): boolean {
    return this.bars !== undefined;
  }

  log(line: string): void {
    this.bars?.log(`${line}\n`);
  }

  update(counts: BulkCounts): void {
    const done = counts.ok + counts.error;
    if (this.bar) {
      this.bar.update(done, { ...counts });
      return;
    }
    const line = `progress: ${done}/${this.total} done (ok ${counts.ok}, error ${counts.error}, running ${counts.running}, pending ${counts.pending})`;
    if (line !== this.lastLine) {
      this.lastLine = line;
      this.out.info(line);
    }
  }

  stop(): void {
    // Lines logged above the bar wait for its next redraw: write them out before it goes.
    this.bars?.update();
    this.bars?.stop();
  }
}
