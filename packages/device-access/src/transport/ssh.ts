import { connect as netConnect, type Socket } from 'node:net';
import { Client, type ClientChannel, type ConnectConfig } from 'ssh2';
import { RunError } from '../errors.js';
import type { Credentials } from '../secrets/secrets.js';

export interface SshTarget {
  host: string;
  port: number;
  username: string;
}

export interface SshOptions {
  connectMs: number;
  signal?: AbortSignal | undefined;
  /** Decides on the host key; rejects with a RunError to refuse it. */
  verifyHostKey: (keyBlob: Buffer) => Promise<void>;
}

/** Maps a socket error to a reason a person can act on. */
export function socketFailure(error: NodeJS.ErrnoException, where: string): RunError {
  switch (error.code ?? '') {
    case 'ECONNREFUSED':
      return new RunError('unreachable', `${where} refused the connection`);
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new RunError('unreachable', `${where} cannot be reached (${error.code})`);
    case 'ECONNRESET':
    case 'EPIPE':
      return new RunError('connection_lost', `${where} closed the connection (${error.code})`);
    default:
      return new RunError('connection_lost', `${where}: ${error.code ?? 'connection failed'}`);
  }
}

/** A TCP connection with Nagle off, within the connect timeout, abortable. */
export function openSocket(
  host: string,
  port: number,
  connectMs: number,
  signal?: AbortSignal,
): Promise<Socket> {
  const where = `${host}:${port}`;
  return new Promise((resolve, reject) => {
    const socket = netConnect({ host, port });
    socket.setNoDelay(true);
    const cleanup = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      socket.off('error', onError);
    };
    const onError = (error: NodeJS.ErrnoException) => {
      cleanup();
      socket.destroy();
      reject(socketFailure(error, where));
    };
    const onAbort = () => {
      cleanup();
      socket.destroy();
      reject(new RunError('canceled', 'canceled while connecting'));
    };
    const timer = setTimeout(() => {
      cleanup();
      socket.destroy();
      reject(
        new RunError(
          'connect_timeout',
          `${where} did not accept a connection within ${connectMs / 1000} s`,
        ),
      );
    }, connectMs);
    socket.once('error', onError);
    socket.once('connect', () => {
      cleanup();
      resolve(socket);
    });
    if (signal?.aborted) onAbort();
    else signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Connects and logs in over SSH (password, keyboard-interactive, private key with
 * passphrase), checking the host key. Resolves with a ready client.
 */
export async function connectSsh(
  target: SshTarget,
  credentials: Credentials,
  options: SshOptions,
): Promise<Client> {
  const started = Date.now();
  const where = `${target.host}:${target.port}`;
  const socket = await openSocket(target.host, target.port, options.connectMs, options.signal);
  const client = new Client();
  let hostKeyFailure: RunError | undefined;

  const loginFailure = (error: Error & { level?: string; code?: string }): RunError => {
    if (hostKeyFailure) return hostKeyFailure;
    if (error.level === 'client-authentication') {
      return new RunError('auth_failed', `${where} refused the login for ${target.username}`);
    }
    if (error.level === 'client-timeout' || /timed out/i.test(error.message)) {
      return new RunError(
        'connect_timeout',
        `${where} did not complete the SSH login within ${options.connectMs / 1000} s`,
      );
    }
    if (error.code) return socketFailure(error, where);
    return new RunError('connection_lost', `${where}: SSH failed (${error.message})`);
  };

  return new Promise<Client>((resolve, reject) => {
    let settled = false;
    const finish = (error: RunError | undefined) => {
      if (settled) return;
      settled = true;
      options.signal?.removeEventListener('abort', onAbort);
      if (error) {
        client.end();
        socket.destroy();
        reject(error);
      } else {
        resolve(client);
      }
    };
    const onAbort = () => {
      finish(new RunError('canceled', 'canceled while logging in'));
    };
    if (options.signal?.aborted) {
      onAbort();
      return;
    }
    options.signal?.addEventListener('abort', onAbort, { once: true });

    client.on('ready', () => {
      finish(undefined);
    });
    client.on('keyboard-interactive', (_name, _instructions, _lang, prompts, answer) => {
      answer(prompts.map(() => credentials.password ?? ''));
    });
    client.on('error', (error: Error & { level?: string; code?: string }) => {
      finish(loginFailure(error));
    });
    client.on('close', () => {
      finish(
        hostKeyFailure ??
          new RunError('connection_lost', `${where} closed the connection during login`),
      );
    });

    const config: ConnectConfig = {
      sock: socket,
      username: target.username,
      readyTimeout: Math.max(1, options.connectMs - (Date.now() - started)),
      keepaliveInterval: 15_000,
      keepaliveCountMax: 3,
      tryKeyboard: credentials.password !== undefined,
      hostVerifier: (key: Buffer, verify: (valid: boolean) => void) => {
        options.verifyHostKey(key).then(
          () => {
            verify(true);
          },
          (error: unknown) => {
            hostKeyFailure =
              error instanceof RunError
                ? error
                : new RunError('host_key_unknown', `host key of ${where} could not be checked`);
            verify(false);
          },
        );
      },
      ...(credentials.password !== undefined && { password: credentials.password }),
      ...(credentials.privateKey !== undefined && { privateKey: credentials.privateKey }),
      ...(credentials.passphrase !== undefined && { passphrase: credentials.passphrase }),
    };
    try {
      client.connect(config);
    } catch (error) {
      // A private key that cannot be parsed (or a wrong passphrase) lands here.
      finish(
        new RunError(
          'auth_failed',
          `the private key for ${target.username} cannot be used (${error instanceof Error ? error.message.replace(/\n.*/s, '') : 'bad key'})`,
        ),
      );
    }
  });
}

/**
 * Opens an interactive shell, with a wide terminal so that lines are not wrapped;
 * a device that never answers the request is given up on after `timeoutMs`.
 */
export function openShell(
  client: Client,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<ClientChannel> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      done(new RunError('connect_timeout', 'the device did not open a shell in time'));
    }, timeoutMs);
    const onAbort = () => {
      done(new RunError('canceled', 'canceled while opening a shell'));
    };
    let settled = false;
    const done = (error: RunError | undefined, channel?: ClientChannel) => {
      if (settled) {
        channel?.close();
        return;
      }
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      if (error) reject(error);
      else if (channel) resolve(channel);
    };
    if (signal?.aborted) {
      onAbort();
      return;
    }
    signal?.addEventListener('abort', onAbort, { once: true });
    client.shell({ term: 'vt100', cols: 511, rows: 24, width: 0, height: 0 }, (error, channel) => {
      if (error) {
        done(new RunError('connection_lost', `the device refused a shell (${error.message})`));
      } else {
        // A channel error must not crash the process; the session sees the close.
        channel.on('error', () => undefined);
        done(undefined, channel);
      }
    });
  });
}
