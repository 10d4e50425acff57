import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { Telnet } from 'telnet-client';
import { RunError } from '../errors.js';
import type { Credentials } from '../secrets/secrets.js';
import type { CliChannel } from './cli-session.js';
import { openSocket } from './ssh.js';

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
  const socket: Socket = await openSocket(
    device.ip,
    device.port,
    options.connectMs,
    options.signal,
  );
  const telnet = new Telnet();
  const onAbort = () => {
    socket.destroy();
  };
  options.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    await telnet.connect({
      sock: socket,
      host: device.ip,
      port: device.port,
      username: device.username,
      password: credentials.password ?? '',
      loginPrompt: /(?:username|login)\s*:\s*$/i,
      passwordPrompt: /password\s*:\s*$/i,
      shellPrompt: /[\w.\-@/:()]+[>#%$]\s?$/,
      failedLoginMatch:
        /(?:login invalid|login incorrect|authentication failed|access denied|bad password)/i,
      negotiationMandatory: true,
      timeout: options.connectMs,
      initialLFCR: false,
    });
  } catch (error) {
    socket.destroy();
    if (options.signal?.aborted) throw new RunError('canceled', 'canceled while logging in');
    const message = error instanceof Error ? error.message : '';
    if (/failed login/i.test(message)) {
      throw new RunError('auth_failed', `${where} refused the login for ${device.username}`);
    }
    if (/timeout/i.test(message)) {
      throw new RunError(
        'connect_timeout',
        `${where} did not complete the Telnet login within ${options.connectMs / 1000} s`,
      );
    }
    throw new RunError('connection_lost', `${where} closed the connection during the Telnet login`);
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
  }

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
    destroy: () => {
      socket.destroy();
    },
  };
  // The library waited for the first prompt itself: ask for a fresh one.
  channel.write('\n');
  return channel;
}
