import type { Socket } from 'node:net';
import type { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';

export interface OutletOptions {
  /** The TCP connection under the session: `dropAfterBytes` destroys it. */
  socket: Socket;
  /** Aborted when the connection ends; every wait gives up then. */
  signal: AbortSignal;
  dripBytesPerSecond?: number | undefined;
  dropAfterBytes?: number | undefined;
}

const DRIP_TICK_MS = 50;

/** Resolves after `ms`, or early (false) when the signal aborts. */
export async function pause(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return false;
  try {
    await sleep(ms, undefined, { signal });
    return true;
  } catch {
    return false;
  }
}

/** Resolves when `stream` may take more (or is gone: false). */
function drained(stream: Writable, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    const done = (ok: boolean) => {
      stream.off('drain', onDrain);
      stream.off('close', onClose);
      signal.removeEventListener('abort', onClose);
      resolve(ok);
    };
    const onDrain = () => {
      done(true);
    };
    const onClose = () => {
      done(false);
    };
    stream.on('drain', onDrain);
    stream.on('close', onClose);
    signal.addEventListener('abort', onClose);
  });
}

/**
 * Everything a device sends to a session goes through here: writes respect back-pressure
 * (a full stream is waited on until 'drain'), command output can be dripped, and the
 * connection is cut after `dropAfterBytes`.
 */
export class Outlet {
  private sent = 0;
  private cut = false;

  constructor(private readonly opts: OutletOptions) {}

  get closed(): boolean {
    return this.cut || this.opts.signal.aborted;
  }

  /**
   * Writes `data` to `stream`. `paced` output (command output, not echoes or prompts)
   * trickles when dripping. Resolves false once the connection is gone.
   */
  async write(stream: Writable, data: string, paced = false): Promise<boolean> {
    if (this.closed) return false;
    if (data.length === 0) return true;
    let buf = Buffer.from(data, 'utf8');
    const limit = this.opts.dropAfterBytes;
    const dropNow = limit !== undefined && this.sent + buf.length >= limit;
    if (dropNow) buf = buf.subarray(0, Math.max(0, limit - this.sent));
    const bps = this.opts.dripBytesPerSecond;
    const ok = paced && bps ? await this.drip(stream, buf, bps) : await this.push(stream, buf);
    if (dropNow && ok) await this.drop(stream);
    return ok && !dropNow;
  }

  private async push(stream: Writable, buf: Buffer): Promise<boolean> {
    if (buf.length === 0) return true;
    this.sent += buf.length;
    if (stream.write(buf)) return true;
    return drained(stream, this.opts.signal);
  }

  private async drip(stream: Writable, buf: Buffer, bps: number): Promise<boolean> {
    const perTick = Math.max(1, Math.round((bps * DRIP_TICK_MS) / 1000));
    const tickMs = (perTick * 1000) / bps;
    for (let at = 0; at < buf.length; at += perTick) {
      if (at > 0 && !(await pause(tickMs, this.opts.signal))) return false;
      if (!(await this.push(stream, buf.subarray(at, at + perTick)))) return false;
    }
    return true;
  }

  /** Lets the last bytes reach the socket (for up to a second), then destroys it without a goodbye. */
  private async drop(stream: Writable): Promise<void> {
    this.cut = true;
    const socket = this.opts.socket;
    for (let waited = 0; waited < 1000; waited += 5) {
      if (stream.writableLength === 0 && socket.writableLength === 0) break;
      if (!(await pause(5, this.opts.signal))) break;
    }
    socket.destroy();
  }
}
