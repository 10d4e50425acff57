import { describe, expect, it } from 'vitest';
import { pacedSink } from './flow.js';

function stream() {
  const calls: string[] = [];
  return { calls, pause: () => calls.push('pause'), resume: () => calls.push('resume') };
}

describe('pacedSink', () => {
  it('stops reading while the sink asks to wait, and reads on once every wait is over', async () => {
    const s = stream();
    const releases: (() => void)[] = [];
    const got: string[] = [];
    const onChunk = pacedSink(s, (text) => {
      got.push(text);
      return new Promise<void>((resolve) => releases.push(resolve));
    });
    onChunk('a');
    onChunk('b');
    expect(s.calls).toEqual(['pause']);
    releases[0]?.();
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(s.calls).toEqual(['pause']);
    releases[1]?.();
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(s.calls).toEqual(['pause', 'resume']);
    expect(got).toEqual(['a', 'b']);
  });

  it('reads on after a failed wait, and ignores what a sink returns that is not a promise', async () => {
    const s = stream();
    const lines: string[] = [];
    pacedSink(s, (text) => void lines.push(text))('x');
    // A sink written as `(t) => list.push(t)` returns a number: not a request to wait.
    pacedSink(s, (text) => lines.push(text))('y');
    expect(s.calls).toEqual([]);
    pacedSink(s, () => Promise.reject(new Error('store failed')))('z');
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(s.calls).toEqual(['pause', 'resume']);
    expect(lines).toEqual(['x', 'y']);
  });
});
