import { StringDecoder } from 'node:string_decoder';
import type { Config } from '@netauto/config';
import type { Database } from '@netauto/db';
import type { Device } from '@netauto/schema';
import type { Client, ClientChannel } from 'ssh2';
import { DRIVERS } from './drivers/drivers.js';
import { RunError } from './errors.js';
import { HostKeys } from './hostkeys/hostkeys.js';
import { Secrets, type Credentials } from './secrets/secrets.js';
import { CliSession } from './transport/cli-session.js';
import { connectSsh, openShell } from './transport/ssh.js';
import { pacedSink, type OutputSink } from './transport/flow.js';
import { connectTelnet } from './transport/telnet.js';

/**
 * What the runner needs to know of a device: `site` for its credential's scope, `id`
 * (of a stored device) for the host key pinned to it.
 */
export type DeviceTarget = Pick<
  Device,
  'hostname' | 'ip' | 'port' | 'protocol' | 'platform' | 'username' | 'credRef' | 'site'
> &
  Partial<Pick<Device, 'id'>>;

export interface Timeouts {
  /** TCP connect plus login (default 10 s). */
  connectMs?: number | undefined;
  /** The command, from sending it to the final prompt or exit (default 60 s). */
  commandMs?: number | undefined;
}

export interface ExecuteOptions {
  /**
   * Output as it arrives, in order, without the echoed command or the final prompt.
   * Returning a promise stops reading from the device until it settles.
   */
  onChunk?: OutputSink | undefined;
  /** Aborting closes the channel at once and rejects with `canceled`. */
  signal?: AbortSignal | undefined;
  timeouts?: Timeouts | undefined;
  /** Output beyond this ends the run with `output_limit` (default 64 MiB). */
  maxBytes?: number | undefined;
}

export interface ExecuteResult {
  /**
   * 0: a command that exits non-zero (exec channels, linux) rejects with `nonzero_exit`
   * and its status instead, as a network CLI's refusal rejects with
   * `device_rejected_command`.
   */
  exitCode: number;
  /** Bytes of output passed to onChunk. */
  bytes: number;
}

export interface DeviceAccessSettings {
  connectMs: number;
  commandMs: number;
  maxBytes: number;
  telnet: boolean;
}

/** Timeouts, the output cap and the Telnet switch, from the device access settings. */
export function settingsFromEnv(env: Config['deviceAccess']): DeviceAccessSettings {
  return {
    connectMs: env.NETAUTO_CONNECT_TIMEOUT_MS,
    commandMs: env.NETAUTO_COMMAND_TIMEOUT_MS,
    maxBytes: env.NETAUTO_OUTPUT_MAX_BYTES,
    telnet: env.NETAUTO_ENABLE_TELNET,
  };
}

// Commands may span lines; other control characters never reach a device.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f]/;

/**
 * How NetAuto talks to a device: one entry point, `execute`, that resolves with the
 * exit code (0) and byte count when the command succeeded, or rejects with a RunError
 * carrying a reason code (and the exit status, for a command that exited non-zero).
 */
export class DeviceAccess {
  constructor(
    readonly secrets: Secrets,
    readonly hostKeys: HostKeys,
    readonly settings: DeviceAccessSettings,
  ) {}

  async execute(
    device: DeviceTarget,
    command: string,
    options: ExecuteOptions = {},
  ): Promise<ExecuteResult> {
    if (command.trim() === '' || CONTROL.test(command)) {
      throw new RunError(
        'device_rejected_command',
        'the command is empty or holds control characters',
      );
    }
    const signal = options.signal;
    if (signal?.aborted) throw new RunError('canceled', 'canceled before it started');
    const limits = {
      connectMs: options.timeouts?.connectMs ?? this.settings.connectMs,
      commandMs: options.timeouts?.commandMs ?? this.settings.commandMs,
      maxBytes: options.maxBytes ?? this.settings.maxBytes,
    };
    const onChunk = options.onChunk ?? (() => undefined);
    // Refused (credential_out_of_scope) before any connection when the credential may
    // not be used for this device's address or site.
    const credentials = await this.secrets.resolve(device.credRef, device);
    const driver = DRIVERS[device.platform];

    if (device.protocol === 'telnet') {
      if (!this.settings.telnet) {
        throw new RunError(
          'unreachable',
          `${device.hostname} is a Telnet device and Telnet is off; set NETAUTO_ENABLE_TELNET=1 to allow it`,
        );
      }
      const channel = await connectTelnet(
        { ...device, username: credentials.username ?? device.username },
        credentials,
        {
          connectMs: limits.connectMs,
          signal,
        },
      );
      try {
        const session = new CliSession(channel, driver, { promptMs: limits.connectMs, ...limits });
        await withAbort(signal, session, async () => {
          await session.prepare(credentials.enableSecret);
          await session.run(command, onChunk);
        });
        return { exitCode: 0, bytes: session.bytes };
      } finally {
        channel.destroy();
      }
    }

    const client = await connectSsh(
      { host: device.ip, port: device.port, username: credentials.username ?? device.username },
      credentials,
      {
        connectMs: limits.connectMs,
        signal,
        verifyHostKey: (key) => this.hostKeys.check(device.ip, device.port, key, device.id),
      },
    );
    try {
      if (driver.channel === 'exec') return await runExec(client, command, onChunk, limits, signal);
      const channel = await openShell(client, limits.connectMs, signal);
      const session = new CliSession(channel, driver, { promptMs: limits.connectMs, ...limits });
      client.on('error', () => {
        session.fail(new RunError('connection_lost', `${device.hostname} dropped the connection`));
      });
      await withAbort(signal, session, async () => {
        await session.prepare(credentials.enableSecret);
        await session.run(command, onChunk);
      });
      channel.close();
      return { exitCode: 0, bytes: session.bytes };
    } finally {
      client.end();
    }
  }
}

async function withAbort(
  signal: AbortSignal | undefined,
  session: CliSession,
  work: () => Promise<void>,
): Promise<void> {
  const onAbort = () => {
    session.fail(new RunError('canceled', 'canceled while running'));
  };
  if (signal?.aborted) onAbort();
  else signal?.addEventListener('abort', onAbort, { once: true });
  try {
    await work();
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}

/**
 * Runs a command on an exec channel: stdout and stderr as they come, then the exit
 * status; a status other than 0 (or death by a signal) is `nonzero_exit`. Listeners are
 * attached in the exec callback itself, because a quick command's exit and close can
 * arrive in the same packet batch as the channel's opening.
 */
function runExec(
  client: Client,
  command: string,
  sink: OutputSink,
  limits: { commandMs: number; maxBytes: number },
  signal: AbortSignal | undefined,
): Promise<ExecuteResult> {
  return new Promise<ExecuteResult>((resolve, reject) => {
    const out = new StringDecoder('utf8');
    const err = new StringDecoder('utf8');
    let channel: ClientChannel | undefined;
    let onChunk: (text: string) => void = () => undefined;
    let bytes = 0;
    let exitCode: number | undefined;
    let killedBy: string | undefined;
    let settled = false;
    const finish = (error?: RunError) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      if (error) {
        channel?.close();
        reject(error);
      } else {
        resolve({ exitCode: 0, bytes });
      }
    };
    const emit = (text: string) => {
      if (text.length === 0 || settled) return;
      bytes += Buffer.byteLength(text, 'utf8');
      if (bytes > limits.maxBytes) {
        finish(new RunError('output_limit', `output passed the limit of ${limits.maxBytes} bytes`));
        return;
      }
      onChunk(text);
    };
    const onAbort = () => {
      finish(new RunError('canceled', 'canceled while running'));
    };
    const timer = setTimeout(() => {
      finish(
        new RunError(
          'command_timeout',
          `the command did not finish within ${Math.round(limits.commandMs / 1000)} s`,
        ),
      );
    }, limits.commandMs);
    if (signal?.aborted) {
      onAbort();
      return;
    }
    signal?.addEventListener('abort', onAbort, { once: true });
    client.on('error', () => {
      finish(new RunError('connection_lost', 'the device dropped the connection'));
    });
    client.exec(command, (error, opened) => {
      if (error) {
        finish(
          new RunError(
            'connection_lost',
            `the device refused to run the command (${error.message})`,
          ),
        );
        return;
      }
      channel = opened;
      onChunk = pacedSink(opened, sink);
      opened.on('error', () => undefined);
      if (settled) {
        opened.close();
        return;
      }
      opened.on('data', (data: Buffer) => {
        emit(out.write(data));
      });
      opened.stderr.on('data', (data: Buffer) => {
        emit(err.write(data));
      });
      opened.on('exit', (code: number | null, signalName?: string) => {
        exitCode = code ?? undefined;
        // The device names the signal: only a short word of it is kept.
        if (code === null && signalName) killedBy = signalName.replace(/\W/g, '').slice(0, 16);
      });
      opened.on('close', () => {
        emit(out.end());
        emit(err.end());
        if (killedBy !== undefined) {
          finish(new RunError('nonzero_exit', `the command was killed by signal ${killedBy}`));
        } else if (exitCode === undefined) {
          finish(
            new RunError(
              'connection_lost',
              'the device closed the channel before the command finished',
            ),
          );
        } else if (exitCode !== 0) {
          finish(
            new RunError('nonzero_exit', `the command exited with status ${exitCode}`, exitCode),
          );
        } else {
          finish();
        }
      });
    });
  });
}

/** Device access wired from the configuration: secrets, host keys and timeouts. */
export function createDeviceAccess(
  db: Database,
  config: Pick<Config, 'deviceAccess' | 'credentials'>,
): DeviceAccess {
  const settings = config.deviceAccess;
  return new DeviceAccess(
    new Secrets(db, { secretKey: settings.NETAUTO_SECRET_KEY, env: config.credentials }),
    new HostKeys(db, settings.NETAUTO_HOST_KEYS),
    settingsFromEnv(settings),
  );
}

export type { Credentials };
