import { StringDecoder } from 'node:string_decoder';
import type { Driver } from '../drivers/drivers.js';
import { RunError } from '../errors.js';

/** The duplex side of an interactive CLI: an SSH shell channel or a Telnet socket. */
export interface CliChannel {
  write(data: string): unknown;
  on(event: 'data', listener: (data: Buffer) => void): unknown;
  on(event: 'close', listener: () => void): unknown;
}

export interface CliLimits {
  /** Time for the first prompt after login. */
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
  /** Bytes passed to onChunk. */
  bytes = 0;

  /** While a command runs: where its output goes. */
  private sink: ((text: string) => void) | undefined;

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

  /** Ends whatever is waiting with this error (an abort, a timeout). */
  fail(error: RunError): void {
    this.failure ??= error;
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.reject(this.failure);
  }

  /** Waits for the first prompt, enables if asked, and turns paging off. */
  async prepare(enableSecret: string | undefined): Promise<void> {
    await this.waitFor(
      () => this.promptAtEnd(true),
      this.limits.promptMs,
      'no prompt from the device after login',
    );
    this.buffer = '';
    if (this.driver.enable && enableSecret !== undefined && this.promptKind() === '>') {
      const enable = this.driver.enable;
      this.send(enable.command);
      await this.waitFor(
        () => enable.passwordPrompt.test(this.buffer) || this.promptAtEnd(false),
        this.limits.promptMs,
        'no answer to enable',
      );
      if (enable.passwordPrompt.test(this.buffer)) {
        this.buffer = '';
        this.send(enableSecret);
        await this.waitFor(
          () => this.promptAtEnd(false),
          this.limits.promptMs,
          'no prompt after enable',
        );
      }
      if (this.promptKind() !== '#') {
        throw new RunError('auth_failed', 'the device refused the enable secret');
      }
      this.buffer = '';
    }
    for (const command of this.driver.pagingOff) {
      this.send(command);
      await this.waitFor(
        () => this.promptAtEnd(false),
        this.limits.promptMs,
        `no prompt after ${command}`,
      );
      this.buffer = '';
    }
  }

  /**
   * Runs a command (each of its lines in turn), passing output to `onChunk` as it
   * arrives. Rejects with device_rejected_command when the device refused a line.
   */
  async run(command: string, onChunk: (text: string) => void): Promise<void> {
    const deadline = Date.now() + this.limits.commandMs;
    let rejected: string | undefined;
    for (const line of command.split(/\r?\n/)) {
      if (line.trim() === '') continue;
      let echo = true;
      let partial = '';
      this.sink = (text) => {
        let out = partial + text;
        partial = '';
        if (echo) {
          const nl = out.indexOf('\n');
          if (nl === -1) {
            partial = out;
            return;
          }
          const first = out.slice(0, nl);
          echo = false;
          out = first.includes(line.trim()) ? out.slice(nl + 1) : out;
        }
        if (out.length === 0) return;
        rejected ??= this.driver.failures.some((f) => f.test(out))
          ? out
              .split('\n')
              .find((l) => this.driver.failures.some((f) => f.test(l)))
              ?.trim()
          : undefined;
        this.bytes += Buffer.byteLength(out, 'utf8');
        if (this.bytes > this.limits.maxBytes) {
          this.fail(
            new RunError(
              'output_limit',
              `output passed the limit of ${this.limits.maxBytes} bytes`,
            ),
          );
          return;
        }
        onChunk(out);
      };
      this.send(line);
      await this.waitFor(
        () => this.drain(),
        Math.max(0, deadline - Date.now()),
        `the command did not finish within ${Math.round(this.limits.commandMs / 1000)} s`,
        'command_timeout',
      );
      this.sink = undefined;
    }
    if (rejected !== undefined) {
      throw new RunError('device_rejected_command', `the device refused the command: ${rejected}`);
    }
  }

  private promptChar = '';

  /** The last character of the prompt seen last: `>` unprivileged, `#` privileged. */
  private promptKind(): string {
    return this.promptChar;
  }

  /** True when the buffer ends with a prompt; at login it also learns the prompt's base. */
  private promptAtEnd(learn: boolean): boolean {
    const match = this.driver.prompt.exec(this.buffer);
    if (!match) return false;
    const base = match[1] ?? '';
    if (!learn && this.base && base !== this.base) return false;
    if (learn) this.base = base;
    this.promptChar = this.buffer.trimEnd().slice(-1);
    return true;
  }

  /**
   * Passes every complete line to the sink and keeps the last, partial one, which may
   * be the prompt (the command is done) or a pager (answered with a space).
   */
  private drain(): boolean {
    const sink = this.sink;
    if (!sink) return false;
    const more = this.driver.more;
    if (more?.test(this.buffer)) {
      this.buffer = this.buffer.replace(more, '');
      this.channel.write(' ');
    }
    const nl = this.buffer.lastIndexOf('\n');
    const tail = nl === -1 ? this.buffer : this.buffer.slice(nl + 1);
    const done = this.isPrompt(tail);
    if (nl !== -1) {
      const lines = this.buffer.slice(0, nl + 1);
      this.buffer = tail;
      sink(lines);
    }
    if (done) {
      this.buffer = '';
      return true;
    }
    return false;
  }

  private isPrompt(tail: string): boolean {
    const match = this.driver.prompt.exec(`\n${tail}`);
    if (!match || match[1] !== this.base) return false;
    this.promptChar = tail.trimEnd().slice(-1);
    return true;
  }

  private send(line: string): void {
    this.channel.write(`${line}\n`);
  }

  private receive(text: string): void {
    if (text.length === 0) return;
    // Lines end in \n for whoever reads the output; the device's \r are noise, and so
    // are the backspaces a pager uses to erase its prompt.
    let clean = text.includes('\r') ? text.replace(/\r+\n/g, '\n').replace(/\r/g, '') : text;
    // eslint-disable-next-line no-control-regex -- the backspaces are the point
    if (clean.includes('\b')) clean = clean.replace(/\x08+ *\x08*/g, '');
    this.buffer += clean;
    const waiter = this.waiter;
    if (waiter && waiter.check()) {
      this.waiter = undefined;
      waiter.resolve();
    }
  }

  private waitFor(
    check: () => boolean,
    timeoutMs: number,
    what: string,
    reason: 'connect_timeout' | 'command_timeout' = 'connect_timeout',
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
