import { describe, expect, it } from 'vitest';
import { ChunkWriter } from './chunk-writer.js';

describe('ChunkWriter', () => {
  it('stores in order, one batch at a time, and everything by close', async () => {
    const batches: string[] = [];
    let active = 0;
    const writer = new ChunkWriter(
      async (pieces) => {
        active += 1;
        expect(active).toBe(1);
        await new Promise((resolve) => setTimeout(resolve, 5));
        batches.push(pieces);
        active -= 1;
      },
      { intervalMs: 10, chunkBytes: 8 },
    );
    for (const piece of ['ab', 'cd', 'efgh', 'ij', 'k']) writer.write(piece);
    await new Promise((resolve) => setTimeout(resolve, 30));
    writer.write('lm');
    await writer.close();
    expect(batches.join('')).toBe('abcdefghijklm');
    expect(batches.length).toBeGreaterThan(1);
  });

  it('reports a failed store at close', async () => {
    const writer = new ChunkWriter(() => Promise.reject(new Error('database down')), {
      intervalMs: 1,
    });
    writer.write('x');
    await expect(writer.close()).rejects.toThrow('database down');
  });

  it('while one batch is stored, what comes goes in the next one, up to the batch limit', async () => {
    const batches: string[] = [];
    let release: () => void = () => undefined;
    const writer = new ChunkWriter(
      async (pieces) => {
        batches.push(pieces);
        await new Promise<void>((resolve) => {
          release = resolve;
        });
      },
      { intervalMs: 1, chunkBytes: 4, maxBatchBytes: 12 },
    );
    writer.write('aaaa');
    expect(batches).toEqual(['aaaa']);
    for (const piece of ['bb', 'bb', 'cccc', 'dddd', 'eeee']) writer.write(piece);
    expect(writer.backlogBytes).toBe(20);
    const below = writer.whenBelow(8);
    let belowYet = false;
    void below.then(() => {
      belowYet = true;
    });
    release();
    await new Promise((resolve) => setTimeout(resolve, 5));
    // One statement for three chunks' worth; the rest waits for its turn.
    expect(batches).toEqual(['aaaa', 'bbbbccccdddd']);
    expect(belowYet).toBe(false);
    release();
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(batches.at(-1)).toBe('eeee');
    expect(belowYet).toBe(true);
    release();
    writer.write('f');
    // drain hands back what is not stored yet, for the run's last statement.
    expect(await writer.drain()).toBe('f');
    expect(writer.backlogBytes).toBe(0);
  });

  it('after a quiet spell stores soon; while output flows, once an interval', async () => {
    const stored: string[] = [];
    const writer = new ChunkWriter(
      (pieces) => {
        stored.push(pieces);
        return Promise.resolve();
      },
      { intervalMs: 1000, quietDelayMs: 5 },
    );
    writer.write('first line\n');
    await new Promise((resolve) => setTimeout(resolve, 200));
    // Quiet before: stored well before the interval.
    expect(stored).toEqual(['first line\n']);
    writer.write('second line\n');
    await new Promise((resolve) => setTimeout(resolve, 200));
    // Output flows: the next store waits for the rest of the interval.
    expect(stored).toHaveLength(1);
    expect(await writer.drain()).toBe('second line\n');
  });
});
