import { StringDecoder } from 'node:string_decoder';
import type { Driver } from '../drivers/drivers.js';
import { RunError } from '../errors.js';
import { pacedSink, type OutputSink, type Pausable } from './flow.js';

/** The duplex side of an interactive CLI: an SSH shell channel or a Telnet socket. */
export interface CliChannel extends Pausable {
  write(data: string): unknown;
  on(event: 'data', listener: (data: Buffer) => void): unknown;
  on(event: 'close', listener: () => void): unknown;
}

export interface CliLimits {
  /** Time for the first prompt after login (and for each setup step). */
  promptMs: number;
  /** Time for the whole command. */
  commandMs: number;
  /** Output beyond this many bytes ends the run with output_limit. */
  maxBytes: number;
}

type Waiter = {
  check: () => boolean;
  resolve: () => void;
  reject: (error: RunError) => void;
};

/** The state of the command line being run. */
interface Line {
  text: string;
  /** Still waiting for the device's echo of the line. */
  echo: boolean;
  /** Received text not yet passed on (before the echo's end). */
  partial: string;
  /** The first output line matching a failure pattern. */
  rejected: string | undefined;
  onChunk: (text: string) => void;
}

/** Prompts and pagers are looked for in this much of the end of the text only. */
const TAIL = 512;
const tail = (text: string) => (text.length > TAIL ? text.slice(-TAIL) : text);

/**
 * Drives an interactive network CLI as its platform driver says: waits for the
 * prompt, turns paging off, enables, sends a command line by line and streams what
 * the device prints, without the echoed command or the closing prompt.
 */
export class CliSession {
  private readonly decoder = new StringDecoder('utf8');
  /** Text received and not yet consumed. */
  private buffer = '';
  private waiter: Waiter | undefined;
  private closed = false;
  private failure: RunError | undefined;
  /** The stable part of the prompt (the hostname), learnt at login. */
  private base = '';
  /** The prompt's last character: `>` unprivileged, `#` privileged. */
  private promptChar = '';

  /** Read through a method: the prompt changes between two reads of one function. */
  private privileged(): boolean {
    return this.promptChar === '#';
  }
  private line: Line | undefined;
  /** Bytes passed to onChunk. */
  bytes = 0;

  constructor(
    private readonly channel: CliChannel,
    private readonly driver: Driver,
    private readonly limits: CliLimits,
  ) {
    channel.on('data', (data) => {
      this.receive(this.decoder.write(data));
    });
    channel.on('close', () => {
      this.closed = true;
      this.fail(
        new RunError(
          'connection_lost',
          'the device closed the connection before the command finished',
        ),
      );
    });
  }

  /**
   * Ends whatever is waiting with this error (an abort, a timeout, a lost connection);
   * the output received so far is passed on first.
   */
  fail(error: RunError): void {
    if (this.failure) return;
    this.failure = error;
    if (this.line && error.reason !== 'output_limit') this.flush(this.line);
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.reject(error);
  }

  /** Waits for the first prompt, enables if asked, and turns paging off. */
  async prepare(enableSecret: string | undefined): Promise<void> {
    await this.waitFor(() => this.promptAtEnd(true), 'no prompt from the device after login');
    this.buffer = '';
    const enable = this.driver.enable;
    if (enable && enableSecret !== undefined && !this.privileged()) {
      this.send(enable.command);
      const asked = () => enable.passwordPrompt.test(tail(this.buffer));
      await this.waitFor(() => asked() || this.promptAtEnd(false), 'no answer to enable');
      if (asked()) {
        this.buffer = '';
        this.send(enableSecret);
        // A wrong secret gets the question again (IOS) or an error and the old prompt.
        await this.waitFor(() => asked() || this.promptAtEnd(false), 'no prompt after enable');
      }
      if (asked() || !this.privileged()) {
        throw new RunError('auth_failed', 'the device refused the enable secret');
      }
      this.buffer = '';
    }
    for (const command of this.driver.pagingOff) {
      this.send(command);
      await this.waitFor(() => this.promptAtEnd(false), `no prompt after ${command}`);
      this.buffer = '';
    }
  }

  /**
   * Runs a command, one line after the other, passing output to `onChunk` as it
   * arrives. When the device refuses a line, nothing after it is sent and the run
   * ends with device_rejected_command.
   */
  async run(command: string, sink: OutputSink): Promise<void> {
    const onChunk = pacedSink(this.channel, sink);
    const deadline = Date.now() + this.limits.commandMs;
    for (const text of command.split(/\r?\n/)) {
      if (text.trim() === '') continue;
      const line: Line = {
        text: text.trim(),
        echo: true,
        partial: '',
        rejected: undefined,
        onChunk,
      };
      this.line = line;
      this.send(text);
      await this.waitFor(
        () => this.drain(line),
        `the command did not finish within ${Math.round(this.limits.commandMs / 1000)} s`,
        'command_timeout',
        Math.max(0, deadline - Date.now()),
      );
      this.line = undefined;
      if (line.rejected !== undefined) {
        throw new RunError(
          'device_rejected_command',
          `the device refused the command: ${line.rejected}`,
        );
      }
    }
  }

  /** True when the buffer ends with a prompt; at login it also learns the prompt's base. */
  private promptAtEnd(learn: boolean): boolean {
    const match = this.driver.prompt.exec(tail(this.buffer));
    if (!match) return false;
    const base = match[1] ?? '';
    if (!learn && this.base && base !== this.base) return false;
    if (learn) this.base = base;
    this.promptChar = this.buffer.trimEnd().slice(-1);
    return true;
  }

  /**
   * Passes every complete line on and keeps the last, partial one, which may be the
   * prompt (the line is done) or a pager (answered with a space).
   */
  private drain(line: Line): boolean {
    const more = this.driver.more;
    if (more?.test(tail(this.buffer))) {
      this.buffer = this.buffer.slice(0, -TAIL) + tail(this.buffer).replace(more, '');
      this.channel.write(' ');
    }
    const nl = this.buffer.lastIndexOf('\n');
    const rest = nl === -1 ? this.buffer : this.buffer.slice(nl + 1);
    const done = this.isPrompt(rest);
    if (nl !== -1) {
      const complete = this.buffer.slice(0, nl + 1);
      this.buffer = rest;
      this.emit(line, complete);
    }
    if (done) this.buffer = '';
    return done;
  }

  /** Passes on what is left of a line that will not finish. */
  private flush(line: Line): void {
    const rest = this.buffer;
    this.buffer = '';
    if (!this.isPrompt(rest)) this.emit(line, rest);
  }

  private emit(line: Line, text: string): void {
    let out = line.partial + text;
    line.partial = '';
    if (line.echo) {
      const nl = out.indexOf('\n');
      if (nl === -1) {
        line.partial = out;
        return;
      }
      line.echo = false;
      // The device echoes the line first; a device that does not is left as it is.
      if (out.slice(0, nl).includes(line.text)) out = out.slice(nl + 1);
    }
    if (out.length === 0) return;
    if (line.rejected === undefined) {
      const failures = this.driver.failures;
      if (failures.some((f) => f.test(out))) {
        line.rejected = out
          .split('\n')
          .find((l) => failures.some((f) => f.test(l)))
          ?.trim();
      }
    }
    this.bytes += Buffer.byteLength(out, 'utf8');
    if (this.bytes > this.limits.maxBytes) {
      this.fail(
        new RunError('output_limit', `output passed the limit of ${this.limits.maxBytes} bytes`),
      );
      return;
    }
    line.onChunk(out);
  }

  private isPrompt(rest: string): boolean {
    const match = this.driver.prompt.exec(`\n${tail(rest)}`);
    if (!match || match[1] !== this.base) return false;
    this.promptChar = rest.trimEnd().slice(-1);
    return true;
  }

  private send(line: string): void {
    this.channel.write(`${line}\n`);
  }

  private receive(text: string): void {
    if (text.length === 0 || this.failure) return;
    // Lines end in \n for whoever reads the output; the device's \r are noise, and so
    // are the backspaces a pager uses to erase its prompt.
    let clean = text.includes('\r') ? text.replace(/\r+\n/g, '\n').replace(/\r/g, '') : text;
    // eslint-disable-next-line no-control-regex -- the backspaces are the point
    if (clean.includes('\b')) clean = clean.replace(/\x08+ *\x08*/g, '');
    this.buffer += clean;
    // Text that never ends a line must not grow without bound either.
    if (this.buffer.length > this.limits.maxBytes) {
      this.fail(
        new RunError('output_limit', `output passed the limit of ${this.limits.maxBytes} bytes`),
      );
      return;
    }
    const waiter = this.waiter;
    if (waiter?.check()) {
      this.waiter = undefined;
      waiter.resolve();
    }
  }

  private waitFor(
    check: () => boolean,
    what: string,
    reason: 'connect_timeout' | 'command_timeout' = 'connect_timeout',
    timeoutMs = this.limits.promptMs,
  ): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (check()) return Promise.resolve();
    if (this.closed) {
      return Promise.reject(new RunError('connection_lost', 'the device closed the connection'));
    }
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.fail(new RunError(reason, what));
      }, timeoutMs);
      this.waiter = {
        check,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
    });
  }
}
