import { describe, expect, it } from 'vitest';
import { encodeFrame, FrameError, FrameReader, type OutputFrame } from './output-frames.js';

const text = (s: string) => new TextEncoder().encode(s);
const shown = (frames: OutputFrame[]) =>
  frames.map((f) => ({
    kind: f.kind,
    ...(f.kind === 'chunk' && { seq: f.seq }),
    data: new TextDecoder().decode(f.data),
  }));

describe('output frames', () => {
  const stream = new Uint8Array([
    ...encodeFrame({ kind: 'chunk', seq: 0 }, text('Building configuration...\n')),
    ...encodeFrame({ kind: 'chunk', seq: 1 }, text('hostname r1 — é€😀\n')),
    ...encodeFrame({ kind: 'chunk', seq: 2 }, new Uint8Array(0)),
    ...encodeFrame({ kind: 'end' }, text('{"status":"ok"}')),
  ]);
  const whole = [
    { kind: 'chunk', seq: 0, data: 'Building configuration...\n' },
    { kind: 'chunk', seq: 1, data: 'hostname r1 — é€😀\n' },
    { kind: 'chunk', seq: 2, data: '' },
    { kind: 'end', data: '{"status":"ok"}' },
  ];

  it('reads frames however the bytes are cut', () => {
    for (let cut = 1; cut <= stream.length; cut++) {
      const reader = new FrameReader();
      const frames: OutputFrame[] = [];
      for (let at = 0; at < stream.length; at += cut) {
        // Decode as they come: a frame's data is a view that must stay valid.
        frames.push(...reader.push(stream.slice(at, at + cut)));
      }
      expect(shown(frames), `cut every ${cut} bytes`).toEqual(whole);
      expect(reader.pendingBytes).toBe(0);
    }
  });

  it('keeps the data of frames already read when more bytes come', () => {
    const reader = new FrameReader();
    const first = reader.push(stream.slice(0, 40));
    reader.push(stream.slice(40));
    expect(shown(first)).toEqual(whole.slice(0, 1));
  });

  it('refuses what is not a stream of frames', () => {
    expect(() => new FrameReader().push(text('<html><body>Bad gateway</body></html>\n'))).toThrow(
      FrameError,
    );
    expect(() => new FrameReader().push(text('x'.repeat(60)))).toThrow('too long');
    expect(() => new FrameReader().push(text('c 1\nabc'))).toThrow('not a frame header');
    expect(() => new FrameReader().push(text('c -1 2\nab'))).toThrow('not a frame header');
    expect(() => new FrameReader().push(text('e 1 2\nab'))).toThrow('not a frame header');
  });
});
