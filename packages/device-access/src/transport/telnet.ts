import { EventEmitter } from 'node:events';
import { Telnet } from 'telnet-client';
import { RunError } from '../errors.js';
import type { Credentials } from '../secrets/secrets.js';
import type { CliChannel } from './cli-session.js';
import { socketFailure } from './ssh.js';

const IAC = 0xff;
const SB = 0xfa;
const SE = 0xf0;

/**
 * Removes Telnet commands from received bytes (the library answers them); the rest
 * is what the device printed.
 */
export function withoutTelnetCommands(data: Buffer): Buffer {
  if (!data.includes(IAC)) return data;
  const out: number[] = [];
  for (let i = 0; i < data.length; i++) {
    const byte = data[i] as number;
    if (byte !== IAC) {
      out.push(byte);
      continue;
    }
    const command = data[i + 1];
    if (command === IAC) {
      out.push(IAC);
      i += 1;
    } else if (command === SB) {
      const end = data.indexOf(Buffer.from([IAC, SE]), i + 2);
      i = end === -1 ? data.length : end + 1;
    } else if (command !== undefined && command >= 0xfb) {
      i += 2; // WILL, WONT, DO, DONT and their option
    } else {
      i += 1;
    }
  }
  return Buffer.from(out);
}

const LOGIN_FAILED =
  /(?:login invalid|login incorrect|authentication failed|access denied|bad password)/i;

export interface TelnetChannel extends CliChannel {
  destroy(): void;
}

/** Logs in over Telnet; resolves with a channel that shows a fresh prompt. */
export async function connectTelnet(
  device: { ip: string; port: number; username: string; hostname: string },
  credentials: Credentials,
  options: { connectMs: number; signal?: AbortSignal | undefined },
): Promise<TelnetChannel> {
  const where = `${device.ip}:${device.port}`;
  const loginTimeout = () =>
    new RunError(
      'connect_timeout',
      `${where} did not complete the Telnet login within ${options.connectMs / 1000} s`,
    );
  if (options.signal?.aborted) throw new RunError('canceled', 'canceled before connecting');
  const telnet = new Telnet();
  const onAbort = () => {
    void telnet.destroy();
  };
  options.signal?.addEventListener('abort', onAbort, { once: true });
  const login = { timedOut: false };
  const timer = setTimeout(() => {
    login.timedOut = true;
    onAbort();
  }, options.connectMs);
  try {
    await telnet.connect({
      host: device.ip,
      port: device.port,
      username: device.username,
      password: credentials.password ?? '',
      // A login prompt that follows a failure message is the failure: the library checks
      // the login prompt first and would otherwise wait for ever.
      loginPrompt: new RegExp(
        `^(?![\\s\\S]*${LOGIN_FAILED.source})[\\s\\S]*(?:username|login)\\s*:\\s*$`,
        'i',
      ),
      passwordPrompt: /password\s*:\s*$/i,
      shellPrompt: /[\w.\-@/:()]+[>#%$]\s?$/,
      failedLoginMatch: LOGIN_FAILED,
      negotiationMandatory: true,
      timeout: options.connectMs,
      initialLFCR: false,
    });
  } catch (error) {
    void telnet.destroy();
    if (options.signal?.aborted) throw new RunError('canceled', 'canceled while logging in');
    const e = error as NodeJS.ErrnoException;
    if (login.timedOut || /timeout|cannot connect/i.test(e.message)) {
      throw loginTimeout();
    }
    if (e.code) throw socketFailure(e, where);
    if (/failed login/i.test(e.message)) {
      throw new RunError('auth_failed', `${where} refused the login for ${device.username}`);
    }
    throw new RunError('connection_lost', `${where} closed the connection during the Telnet login`);
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onAbort);
  }

  const socket = telnet.getSocket();
  // The library also resolves when the socket closes early (an abort, say).
  if (options.signal?.aborted) {
    socket?.destroy();
    throw new RunError('canceled', 'canceled while logging in');
  }
  if (login.timedOut) {
    throw loginTimeout();
  }
  if (!socket || socket.destroyed) {
    throw new RunError('connection_lost', `${where} closed the connection during the Telnet login`);
  }
  // From here on the session reads the socket; the library would keep a copy of
  // everything it emits, so its own listeners go.
  telnet.removeAllListeners('data');
  socket.setNoDelay(true);
  const events = new EventEmitter();
  socket.on('data', (data: Buffer) => {
    const clean = withoutTelnetCommands(data);
    if (clean.length > 0) events.emit('data', clean);
  });
  socket.on('close', () => events.emit('close'));
  socket.on('error', () => undefined);
  const channel: TelnetChannel = {
    write: (data: string) => socket.write(data.replace(/\n/g, '\r\n')),
    on: (event: 'data' | 'close', listener: (data: Buffer) => void) => events.on(event, listener),
    pause: () => socket.pause(),
    resume: () => socket.resume(),
    destroy: () => {
      socket.destroy();
    },
  };
  // The library waited for the first prompt itself: ask for a fresh one.
  channel.write('\n');
  return channel;
}
