import { StringDecoder } from 'node:string_decoder';
import type { CliSession, Pager, Reply, RunContext } from '../cli/commands.js';
import { Shell } from '../cli/shell.js';
import { outletFor, untilClosed, type Connection } from './connection.js';

// RFC 854 / 857 / 858
const IAC = 255;
const DONT = 254;
const DO = 253;
const WONT = 252;
const WILL = 251;
const SB = 250;
const SE = 240;
const OPT_ECHO = 1;
const OPT_SGA = 3;

/** The negotiation a device sends first: it echoes, and needs no go-ahead. */
const TELNET_GREETING = Buffer.from([IAC, WILL, OPT_ECHO, IAC, WILL, OPT_SGA]);

export const TELNET_USERNAME_PROMPT = 'Username: ';
export const TELNET_PASSWORD_PROMPT = 'Password: ';
export const TELNET_LOGIN_FAILED = '% Login invalid\n\n';
export const TELNET_TOO_MANY_FAILURES = '% Bad passwords\n';
const MAX_ATTEMPTS = 3;

/**
 * Splits what a Telnet client sends into text and option negotiation. It answers requests
 * for options other than ECHO and SUPPRESS-GO-AHEAD with WONT / DONT, once per option.
 */
class TelnetInput {
  private state: 'data' | 'iac' | 'option' | 'sb' | 'sb-iac' = 'data';
  private verb = 0;
  private readonly answered = new Set<string>();
  private readonly decoder = new StringDecoder('utf8');

  constructor(private readonly reply: (bytes: Buffer) => void) {}

  /** Returns the text in `data`, with every IAC sequence removed. */
  push(data: Buffer): string {
    const text: number[] = [];
    for (const byte of data) {
      switch (this.state) {
        case 'data':
          if (byte === IAC) this.state = 'iac';
          else text.push(byte);
          break;
        case 'iac':
          if (byte === IAC) {
            text.push(IAC);
            this.state = 'data';
          } else if (byte >= WILL && byte <= DONT) {
            this.verb = byte;
            this.state = 'option';
          } else this.state = byte === SB ? 'sb' : 'data';
          break;
        case 'option':
          this.answer(this.verb, byte);
          this.state = 'data';
          break;
        case 'sb':
          if (byte === IAC) this.state = 'sb-iac';
          break;
        case 'sb-iac':
          this.state = byte === SE ? 'data' : 'sb';
          break;
      }
    }
    return this.decoder.write(Buffer.from(text));
  }

  private answer(verb: number, option: number): void {
    const ours = option === OPT_ECHO || option === OPT_SGA;
    if ((verb === DO && ours) || verb === WONT || verb === DONT) return;
    const key = `${verb}:${option}`;
    if (this.answered.has(key)) return;
    this.answered.add(key);
    this.reply(Buffer.from([IAC, verb === DO ? WONT : DONT, option]));
  }
}

/** `Username: ` / `Password: ` in front of a device's CLI. */
class TelnetLogin implements CliSession {
  readonly banner = '';
  private step: 'username' | 'password' | 'cli' = 'username';
  private username = '';
  private failures = 0;

  constructor(
    private readonly conn: Connection,
    private readonly cli: CliSession,
  ) {}

  prompt(): string {
    switch (this.step) {
      case 'username':
        return TELNET_USERNAME_PROMPT;
      case 'password':
        return TELNET_PASSWORD_PROMPT;
      case 'cli':
        return this.cli.prompt();
    }
  }

  readingSecret(): boolean {
    return this.step === 'password' || (this.step === 'cli' && this.cli.readingSecret());
  }

  pager(): Pager | null {
    return this.step === 'cli' ? this.cli.pager() : null;
  }

  async run(line: string, ctx: RunContext): Promise<Reply> {
    switch (this.step) {
      case 'username':
        this.username = line.trim();
        this.step = 'password';
        return { out: '' };
      case 'password':
        return this.login(line);
      case 'cli':
        return this.cli.run(line, ctx);
    }
  }

  private async login(password: string): Promise<Reply> {
    const { spec } = this.conn.device;
    if (
      this.username === spec.username &&
      password === spec.password &&
      !spec.faults.rejectPassword
    ) {
      this.step = 'cli';
      if (spec.faults.hangAfterLogin) {
        await untilClosed(this.conn.signal);
        return { out: '' };
      }
      return { out: this.cli.banner };
    }
    this.failures++;
    this.step = 'username';
    if (this.failures >= MAX_ATTEMPTS) return { out: TELNET_TOO_MANY_FAILURES, close: true };
    return { out: TELNET_LOGIN_FAILED };
  }
}

/** Serves a device's CLI over Telnet on an accepted socket. */
export function serveTelnet(conn: Connection): void {
  const { socket } = conn;
  socket.write(TELNET_GREETING);
  const login = new TelnetLogin(conn, conn.personality.createCli(conn.device, 'shell'));
  const shell = new Shell(
    login,
    {
      out: socket,
      outlet: outletFor(conn),
      signal: conn.signal,
      end: () => socket.end(),
    },
    conn.device.spec.faults.bannerDelayMs,
  );
  const input = new TelnetInput((bytes) => socket.write(bytes));
  socket.on('data', (data: Buffer) => {
    const text = input.push(data);
    if (text) shell.input(text);
  });
  shell.run().catch(() => socket.destroy());
}
