import type { Writable } from 'node:stream';
import type { CliSession, Pager, Reply } from './commands.js';
import { pause, type Outlet } from './outlet.js';
import { chunksOf, type Text } from './text.js';

export interface ShellIo {
  /** Where the terminal's output goes (the SSH channel, the Telnet socket). */
  out: Writable;
  outlet: Outlet;
  signal: AbortSignal;
  /** Ends the session (after `exit`) with this exit status. */
  end(exitCode: number): void;
}

const FLUSH_BYTES = 64 * 1024;

function crlf(text: string): string {
  return text.replace(/\n/g, '\r\n');
}

/** Lines of `text`, each with its `\n` (the last may lack one), across chunk boundaries. */
async function* linesOf(text: Text): AsyncGenerator<string> {
  let carry = '';
  for await (const chunk of chunksOf(text)) {
    let start = 0;
    const data = carry + chunk;
    for (let nl = data.indexOf('\n'); nl !== -1; nl = data.indexOf('\n', start)) {
      yield data.slice(start, nl + 1);
      start = nl + 1;
    }
    carry = data.slice(start);
  }
  if (carry) yield carry;
}

/**
 * A terminal on a device: it echoes what is typed (not secrets), edits the line
 * (backspace), runs each line through the CLI, and pages long output.
 */
export class Shell {
  private pending = '';
  private wake: (() => void) | null = null;
  /** A `\r` was just read: a `\n` (or NUL) right after it belongs to the same Enter. */
  private afterCr = false;

  constructor(
    private readonly cli: CliSession,
    private readonly io: ShellIo,
    private readonly bannerDelayMs = 0,
  ) {
    io.signal.addEventListener('abort', () => this.wake?.());
  }

  /** Feeds what the user typed. */
  input(data: string): void {
    this.pending += data;
    this.wake?.();
  }

  async run(): Promise<void> {
    if (this.bannerDelayMs > 0 && !(await pause(this.bannerDelayMs, this.io.signal))) return;
    if (!(await this.write(crlf(this.cli.banner)))) return;
    for (;;) {
      if (!(await this.write(this.cli.prompt()))) return;
      const line = await this.readLine();
      if (line === null) return;
      const reply = await this.cli.run(line, { signal: this.io.signal, eolBytes: 2 });
      if (!(await this.print(reply))) return;
      if (reply.close) {
        this.io.end(reply.exitCode ?? 0);
        return;
      }
    }
  }

  private write(data: string, paced = false): Promise<boolean> {
    return this.io.outlet.write(this.io.out, data, paced);
  }

  /** Waits for input; false when the connection is gone. */
  private async more(): Promise<boolean> {
    while (this.pending.length === 0) {
      if (this.io.signal.aborted) return false;
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
      this.wake = null;
    }
    return !this.io.signal.aborted;
  }

  /** Reads one line, echoing it as a terminal would. */
  private async readLine(): Promise<string | null> {
    let line = '';
    for (;;) {
      if (!(await this.more())) return null;
      const secret = this.cli.readingSecret();
      let echo = '';
      let i = 0;
      for (; i < this.pending.length; i++) {
        const ch = this.pending.charAt(i);
        const wasCr = this.afterCr;
        this.afterCr = false;
        if (wasCr && (ch === '\n' || ch === '\0')) continue;
        if (ch === '\r' || ch === '\n') {
          this.afterCr = ch === '\r';
          this.pending = this.pending.slice(i + 1);
          return (await this.write(`${echo}\r\n`)) ? line : null;
        }
        if (ch === '\x7f' || ch === '\b') {
          if (line.length > 0) {
            line = line.slice(0, -1);
            if (!secret) echo += '\b \b';
          }
        } else if (ch >= ' ') {
          line += ch;
          if (!secret) echo += ch;
        }
      }
      this.pending = '';
      if (echo && !(await this.write(echo))) return null;
    }
  }

  /** Reads one key press (Enter as `\n`). */
  private async readKey(): Promise<string | null> {
    for (;;) {
      if (!(await this.more())) return null;
      const ch = this.pending.charAt(0);
      this.pending = this.pending.slice(1);
      const wasCr = this.afterCr;
      this.afterCr = ch === '\r';
      if (wasCr && (ch === '\n' || ch === '\0')) continue;
      return ch === '\r' ? '\n' : ch;
    }
  }

  private async print(reply: Reply): Promise<boolean> {
    const pager = reply.page === false ? null : this.cli.pager();
    if (!(await this.emit(reply.out, pager))) return false;
    return reply.err === undefined || this.emit(reply.err, pager);
  }

  private async emit(text: Text, pager: Pager | null): Promise<boolean> {
    if (!pager) {
      for await (const chunk of chunksOf(text)) {
        if (!(await this.write(crlf(chunk), true))) return false;
      }
      return true;
    }
    let budget = pager.lines;
    let page = '';
    for await (const line of linesOf(text)) {
      if (budget === 0) {
        if (!(await this.write(page, true)) || !(await this.write(pager.marker))) return false;
        page = '';
        const key = await this.readKey();
        if (key === null || !(await this.write(pager.erase))) return false;
        if (key === ' ') budget = pager.lines;
        else if (key === '\n') budget = 1;
        else return true;
      }
      page += crlf(line);
      budget--;
      if (page.length >= FLUSH_BYTES) {
        if (!(await this.write(page, true))) return false;
        page = '';
      }
    }
    return this.write(page, true);
  }
}
