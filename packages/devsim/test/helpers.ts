import ssh2, { type ClientChannel, type ConnectConfig } from 'ssh2';
import type { SimDevice } from '../src/index.js';

const { Client } = ssh2;
export type SshClient = InstanceType<typeof Client>;

/** Connects with the device's password unless `config` says otherwise. */
export function connect(
  device: SimDevice,
  config: Partial<ConnectConfig> = {},
): Promise<SshClient> {
  return new Promise((resolve, reject) => {
    const client = new Client();
    client.once('ready', () => {
      resolve(client);
    });
    client.on('error', reject);
    client.connect({
      host: device.host,
      port: device.port,
      username: device.spec.username,
      password: device.spec.password,
      readyTimeout: 5000,
      ...config,
    });
  });
}

/** Reads a channel as a person at a terminal would: wait until some text shows up. */
export class Term {
  private buf = '';
  private waiters: (() => void)[] = [];
  closed = false;

  constructor(readonly channel: ClientChannel) {
    channel.on('data', (d: Buffer) => {
      this.buf += d.toString('utf8');
      this.notify();
    });
    channel.stderr.on('data', (d: Buffer) => {
      this.buf += d.toString('utf8');
      this.notify();
    });
    channel.on('close', () => {
      this.closed = true;
      this.notify();
    });
  }

  private notify(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  /** Everything up to and including `pattern`; what follows stays for the next read. */
  async until(pattern: string | RegExp, timeoutMs = 5000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m =
        typeof pattern === 'string'
          ? { index: this.buf.indexOf(pattern), length: pattern.length }
          : ((r) => (r ? { index: r.index, length: r[0].length } : { index: -1, length: 0 }))(
              pattern.exec(this.buf),
            );
      if (m.index !== -1) {
        const out = this.buf.slice(0, m.index + m.length);
        this.buf = this.buf.slice(m.index + m.length);
        return out;
      }
      if (this.closed)
        throw new Error(
          `channel closed before ${String(pattern)}; got ${JSON.stringify(this.buf)}`,
        );
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(
          `timed out waiting for ${String(pattern)}; got ${JSON.stringify(this.buf)}`,
        );
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** Whatever arrived so far (consumed). */
  take(): string {
    const out = this.buf;
    this.buf = '';
    return out;
  }

  send(text: string): void {
    this.channel.write(text);
  }
}

export function shell(client: SshClient, pty = true): Promise<Term> {
  return new Promise((resolve, reject) => {
    const cb = (err: Error | undefined, channel: ClientChannel) => {
      if (err) reject(err);
      else resolve(new Term(channel));
    };
    if (pty) client.shell({ term: 'vt100', rows: 24, cols: 80 }, cb);
    else client.shell(false, cb);
  });
}

export interface ExecResult {
  stdout: string;
  stderr: string;
  code: number | null;
}

export function exec(client: SshClient, command: string): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    client.exec(command, (err, channel) => {
      if (err) {
        reject(err);
        return;
      }
      let stdout = '';
      let stderr = '';
      let code: number | null = null;
      channel.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
      channel.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
      channel.on('exit', (c: number | null) => (code = c));
      channel.on('close', () => {
        resolve({ stdout, stderr, code });
      });
    });
  });
}
