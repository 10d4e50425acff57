import type { Socket } from 'node:net';
import type { Writable } from 'node:stream';
import type { Reply } from '../cli/commands.js';
import { Outlet } from '../cli/outlet.js';
import { chunksOf } from '../cli/text.js';
import type { DeviceContext, Personality } from '../personality.js';

/** One accepted TCP connection to a device. */
export interface Connection {
  device: DeviceContext;
  personality: Personality;
  socket: Socket;
  /** Aborted when the socket closes (or the lab stops). */
  signal: AbortSignal;
}

/** An outlet for one session; `signal` ends it (default: the connection's). */
export function outletFor(conn: Connection, signal = conn.signal): Outlet {
  const { faults } = conn.device.spec;
  return new Outlet({
    socket: conn.socket,
    signal,
    dripBytesPerSecond: faults.dripBytesPerSecond,
    dropAfterBytes: faults.dropAfterBytes,
  });
}

/** Resolves when the connection ends: what a hung device waits for. */
export function untilClosed(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else
      signal.addEventListener(
        'abort',
        () => {
          resolve();
        },
        { once: true },
      );
  });
}

/** Writes a reply's stdout and stderr as an exec channel sends them. */
export async function writeExecReply(
  outlet: Outlet,
  stdout: Writable,
  stderr: Writable,
  reply: Reply,
  crlf: boolean,
): Promise<boolean> {
  const convert = (s: string) => (crlf ? s.replace(/\n/g, '\r\n') : s);
  for await (const chunk of chunksOf(reply.out)) {
    if (!(await outlet.write(stdout, convert(chunk), true))) return false;
  }
  if (reply.err !== undefined) {
    for await (const chunk of chunksOf(reply.err)) {
      if (!(await outlet.write(stderr, convert(chunk), true))) return false;
    }
  }
  return true;
}
