import { describe, expect, it } from 'vitest';
import { toSegments } from './ansi';

describe('toSegments', () => {
  it('gives plain lines as one segment each, dropping what a carriage return wrote over', () => {
    expect(toSegments(['a', 'b\r', '10%\r50%'])).toEqual([
      [{ text: 'a', classes: '', color: undefined, background: undefined }],
      [{ text: 'b', classes: '', color: undefined, background: undefined }],
      [{ text: '50%', classes: '', color: undefined, background: undefined }],
    ]);
  });

  it('turns colours into classes and rgb(), carried from one line to the next', () => {
    const lines = toSegments([
      'ok \u001b[32mup\u001b[0m',
      '\u001b[1;31mdown',
      'still red\u001b[0m',
      '\u001b[38;5;208morange\u001b[48;2;1;2;3mtc',
    ]);
    expect(lines[0]).toEqual([
      { text: 'ok ', classes: '', color: undefined, background: undefined },
      { text: 'up', classes: 'ansi-green-fg', color: undefined, background: undefined },
    ]);
    expect(lines[1]?.[0]).toMatchObject({ text: 'down', classes: 'ansi-red-fg ansi-bold' });
    expect(lines[2]?.[0]).toMatchObject({ text: 'still red', classes: 'ansi-red-fg ansi-bold' });
    expect(lines[3]?.[0]).toMatchObject({ text: 'orange', color: 'rgb(255, 135, 0)' });
    expect(lines[3]?.[1]).toMatchObject({ text: 'tc', background: 'rgb(1, 2, 3)' });
    expect(lines).toHaveLength(4);
  });
});
