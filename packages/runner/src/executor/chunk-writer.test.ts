import { describe, expect, it } from 'vitest';
import { ChunkWriter, joinPieces } from './chunk-writer.js';

describe('ChunkWriter', () => {
  it('stores in order, one batch at a time, and everything by close', async () => {
    const batches: string[][] = [];
    let active = 0;
    const writer = new ChunkWriter(
      async (pieces) => {
        active += 1;
        expect(active).toBe(1);
        await new Promise((resolve) => setTimeout(resolve, 5));
        batches.push(pieces);
        active -= 1;
      },
      { intervalMs: 10, maxBufferedBytes: 8 },
    );
    for (const piece of ['ab', 'cd', 'efgh', 'ij', 'k']) writer.write(piece);
    await new Promise((resolve) => setTimeout(resolve, 30));
    writer.write('lm');
    await writer.close();
    expect(batches.flat().join('')).toBe('abcdefghijklm');
    expect(batches.length).toBeGreaterThan(1);
  });

  it('reports a failed store at close', async () => {
    const writer = new ChunkWriter(() => Promise.reject(new Error('database down')), {
      intervalMs: 1,
    });
    writer.write('x');
    await expect(writer.close()).rejects.toThrow('database down');
  });

  it('joins small pieces up to the limit', () => {
    expect(joinPieces(['ab', 'cd', 'efg', 'h'], 4)).toEqual(['abcd', 'efgh']);
    expect(joinPieces(['toolong', 'x'], 4)).toEqual(['toolong', 'x']);
  });
});
