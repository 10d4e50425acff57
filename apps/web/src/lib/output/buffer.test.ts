import { describe, expect, it } from 'vitest';
import { MAX_SHOWN_LINE, OutputBuffer, utf8Length } from './buffer';

function bufferOf(...chunks: string[]): OutputBuffer {
  const b = new OutputBuffer();
  chunks.forEach((c, seq) => b.push(seq, c));
  return b;
}

describe('OutputBuffer', () => {
  it('reads any window of lines across chunk boundaries', () => {
    const text = Array.from({ length: 1000 }, (_, i) => `line ${i}`).join('\n') + '\n';
    // Cut at awkward places: inside lines, right after and right before a break.
    const cuts = [0, 3, 7, 8, 100, 101, 5000, 5001, text.length];
    const chunks = cuts.slice(1).map((end, i) => text.slice(cuts[i], end));
    const b = bufferOf(...chunks);
    const expected = text.slice(0, -1).split('\n');
    expect(b.lineCount).toBe(1000);
    for (const from of [0, 1, 2, 13, 500, 990, 999]) {
      expect(b.lines(from, 7)).toEqual(expected.slice(from, from + 7));
    }
    expect(b.lines(1000, 5)).toEqual([]);
    expect(b.length).toBe(text.length);
  });

  it('counts a last line without a break, and nothing for no output', () => {
    expect(new OutputBuffer().lineCount).toBe(0);
    const b = bufferOf('a\nb', 'c');
    expect(b.lineCount).toBe(2);
    expect(b.lines(0, 10)).toEqual(['a', 'bc']);
    expect(bufferOf('\n\n').lines(0, 10)).toEqual(['', '']);
  });

  it('takes each chunk once and in order: repeats are ignored, a gap is refused', () => {
    const b = new OutputBuffer();
    expect(b.push(0, 'a\n')).toBe('taken');
    expect(b.push(0, 'a\n')).toBe('repeat');
    expect(b.push(2, 'c\n')).toBe('gap');
    expect(b.push(1, 'b\n')).toBe('taken');
    expect(b.lines(0, 5)).toEqual(['a', 'b']);
    expect(b.lastSeq).toBe(1);
  });

  it('cuts very long lines on screen', () => {
    const b = bufferOf('x'.repeat(MAX_SHOWN_LINE * 3), 'y\nnext');
    const [first, second] = b.lines(0, 2);
    expect(first).toHaveLength(MAX_SHOWN_LINE + 2);
    expect(second).toBe('next');
  });

  it('counts UTF-8 bytes', () => {
    expect(utf8Length('abc')).toBe(3);
    expect(utf8Length('é€😀')).toBe(2 + 3 + 4);
    expect(bufferOf('é\n').bytes).toBe(3);
  });
});
