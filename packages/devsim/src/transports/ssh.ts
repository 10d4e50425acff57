import { timingSafeEqual } from 'node:crypto';
import { StringDecoder } from 'node:string_decoder';
import ssh2, {
  type AuthContext,
  type AuthenticationType,
  type Connection as SshConnection,
  type ParsedKey,
  type ServerChannel,
} from 'ssh2';
import { pause } from '../cli/outlet.js';
import { Shell } from '../cli/shell.js';
import type { HostKey } from '../hostkey.js';
import { outletFor, writeExecReply, type Connection } from './connection.js';

/** Parses authorized_keys lines once; a line that is not a public key is an error. */
export function parseAuthorizedKeys(hostname: string, lines: readonly string[]): ParsedKey[] {
  return lines.map((line) => {
    const key = ssh2.utils.parseKey(line);
    if (key instanceof Error) {
      throw new Error(`devsim: ${hostname}: authorized key is not valid: ${key.message}`);
    }
    return key;
  });
}

function sameBlob(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

function authenticate(ctx: AuthContext, conn: Connection, keys: readonly ParsedKey[]): void {
  const { spec } = conn.device;
  const userOk = ctx.username === spec.username;
  const passwordOk = (password: string | undefined) =>
    userOk && !spec.faults.rejectPassword && password === spec.password;
  const METHODS: AuthenticationType[] = spec.authMethods;
  if (!(METHODS as string[]).includes(ctx.method)) {
    ctx.reject(METHODS);
    return;
  }
  switch (ctx.method) {
    case 'password':
      if (passwordOk(ctx.password)) ctx.accept();
      else ctx.reject(METHODS);
      return;
    case 'keyboard-interactive':
      ctx.prompt([{ prompt: 'Password: ', echo: false }], (answers) => {
        if (passwordOk(answers[0])) ctx.accept();
        else ctx.reject(METHODS);
      });
      return;
    case 'publickey': {
      const key = keys.find((k) => sameBlob(k.getPublicSSH(), ctx.key.data));
      if (!userOk || !key) {
        ctx.reject(METHODS);
        return;
      }
      // Without a signature the client only asks whether this key would do.
      if (!ctx.signature || !ctx.blob) ctx.accept();
      else if (key.verify(ctx.blob, ctx.signature, ctx.hashAlgo)) ctx.accept();
      else ctx.reject(METHODS);
      return;
    }
    case 'hostbased':
    case 'none':
      ctx.reject(METHODS);
      return;
  }
}

/** Accepts a session request whose reply the client may not want (accept is then undefined). */
function ack(accept: (() => void) | undefined): void {
  accept?.();
}

/** Aborted when the channel closes or the connection ends. */
function channelSignal(conn: Connection, channel: ServerChannel): AbortSignal {
  const closed = new AbortController();
  channel.once('close', () => {
    closed.abort();
  });
  return AbortSignal.any([conn.signal, closed.signal]);
}

function startShell(conn: Connection, client: SshConnection, channel: ServerChannel): void {
  const { spec } = conn.device;
  if (spec.faults.hangAfterLogin) return;
  const signal = channelSignal(conn, channel);
  const cli = conn.personality.createCli(conn.device, 'shell');
  const shell = new Shell(
    cli,
    {
      out: channel,
      outlet: outletFor(conn, signal),
      signal,
      end: (exitCode) => {
        channel.exit(exitCode);
        channel.end();
        client.end();
      },
    },
    spec.faults.bannerDelayMs,
  );
  const decoder = new StringDecoder('utf8');
  channel.on('data', (data: Buffer) => {
    shell.input(decoder.write(data));
  });
  shell.run().catch(() => conn.socket.destroy());
}

async function runExec(conn: Connection, channel: ServerChannel, command: string): Promise<void> {
  const { spec } = conn.device;
  if (spec.faults.hangAfterLogin) return;
  const delay = spec.faults.bannerDelayMs ?? 0;
  const signal = channelSignal(conn, channel);
  // Nothing reads stdin; flowing lets the channel end (and close) when the client closes it.
  channel.resume();
  if (delay > 0 && !(await pause(delay, signal))) return;
  const linux = spec.platform === 'linux';
  const cli = conn.personality.createCli(conn.device, 'exec');
  const reply = await cli.run(command, { signal, eolBytes: linux ? 1 : 2 });
  const outlet = outletFor(conn, signal);
  if (!(await writeExecReply(outlet, channel, channel.stderr, reply, !linux))) return;
  channel.exit(reply.exitCode ?? 0);
  channel.end();
}

/** Serves SSH on an accepted socket, with a new ssh2 Server bound to the current host key. */
export function serveSsh(conn: Connection, hostKey: HostKey, keys: readonly ParsedKey[]): void {
  const server = new ssh2.Server(
    { hostKeys: [hostKey.privateKey], ident: conn.personality.sshIdent },
    (client) => {
      client.on('error', () => conn.socket.destroy());
      client.on('authentication', (ctx) => {
        authenticate(ctx, conn, keys);
      });
      client.on('session', (accept) => {
        const session = accept();
        session.on('pty', ack);
        session.on('window-change', ack);
        session.on('env', ack);
        session.on('shell', (acceptShell) => {
          startShell(conn, client, acceptShell());
        });
        session.on('exec', (acceptExec, _reject, info) => {
          const channel = acceptExec();
          runExec(conn, channel, info.command).catch(() => conn.socket.destroy());
        });
      });
    },
  );
  server.injectSocket(conn.socket);
}
