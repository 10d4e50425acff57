/**
 * The frames of a run's output stream (`GET /api/runs/:id/output?format=frames`): the
 * output's own bytes, each chunk behind a short text header, so that a follower knows
 * each chunk's seq (to resume after a drop) and nothing is escaped or parsed on the way.
 *
 *   c <seq> <length>\n<the chunk's UTF-8 bytes>
 *   e <length>\n<the run as it ended, as JSON>
 *   x <length>\n<an error, as JSON: { code, message }>
 *
 * Safe in a browser: bytes are Uint8Array, text goes through TextEncoder/TextDecoder.
 */
export const OUTPUT_FRAMES_TYPE = 'application/vnd.netauto.output-frames';

export type OutputFrame =
  | { kind: 'chunk'; seq: number; data: Uint8Array }
  | { kind: 'end'; data: Uint8Array }
  | { kind: 'error'; data: Uint8Array };

const KINDS = { c: 'chunk', e: 'end', x: 'error' } as const;
/** A header is a letter, at most two numbers and spaces: never longer than this. */
const MAX_HEADER = 40;
const NEWLINE = 0x0a;

const encoder = new TextEncoder();

/** One frame: its header and its bytes, in one buffer. */
export function encodeFrame(
  frame: { kind: 'chunk'; seq: number } | { kind: 'end' | 'error' },
  data: Uint8Array,
): Uint8Array {
  const header = encoder.encode(
    frame.kind === 'chunk'
      ? `c ${frame.seq} ${data.length}\n`
      : `${frame.kind === 'end' ? 'e' : 'x'} ${data.length}\n`,
  );
  const out = new Uint8Array(header.length + data.length);
  out.set(header, 0);
  out.set(data, header.length);
  return out;
}

/** The stream is not made of frames (a proxy's page, a cut in the wrong place). */
export class FrameError extends Error {
  override name = 'FrameError';
}

/** Reads frames from the bytes of a stream, however they are cut. */
export class FrameReader {
  private buffer = new Uint8Array(0);

  /** Bytes received and not yet part of a whole frame. */
  get pendingBytes(): number {
    return this.buffer.length;
  }

  /** Takes the next bytes; returns the frames now whole (their data are views). */
  push(bytes: Uint8Array): OutputFrame[] {
    let buf = bytes;
    if (this.buffer.length > 0) {
      buf = new Uint8Array(this.buffer.length + bytes.length);
      buf.set(this.buffer, 0);
      buf.set(bytes, this.buffer.length);
    }
    const frames: OutputFrame[] = [];
    let pos = 0;
    for (;;) {
      const limit = Math.min(buf.length, pos + MAX_HEADER);
      let eol = -1;
      for (let i = pos; i < limit; i++) {
        if (buf[i] === NEWLINE) {
          eol = i;
          break;
        }
      }
      if (eol === -1) {
        if (buf.length - pos >= MAX_HEADER) throw new FrameError('a frame header is too long');
        break;
      }
      const header = String.fromCharCode(...buf.subarray(pos, eol)).split(' ');
      const kind = KINDS[header[0] as keyof typeof KINDS] as OutputFrame['kind'] | undefined;
      const numbers = header.slice(1).map(Number);
      const wanted = kind === 'chunk' ? 2 : 1;
      if (
        kind === undefined ||
        numbers.length !== wanted ||
        !numbers.every((n) => Number.isSafeInteger(n) && n >= 0)
      ) {
        throw new FrameError(`not a frame header: ${header.join(' ').slice(0, MAX_HEADER)}`);
      }
      const length = numbers.at(-1) ?? 0;
      if (buf.length < eol + 1 + length) break;
      const data = buf.subarray(eol + 1, eol + 1 + length);
      frames.push(kind === 'chunk' ? { kind, seq: numbers[0] ?? 0, data } : { kind, data });
      pos = eol + 1 + length;
    }
    // Keep the unfinished frame's bytes (a copy, so that the frames' views stay valid).
    this.buffer = pos === buf.length ? new Uint8Array(0) : buf.slice(pos);
    return frames;
  }
}
