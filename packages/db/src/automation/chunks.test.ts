import { describe, expect, it } from 'vitest';
import { useOutputFixture } from '../../test/output.js';
import { InvalidStateError, NotFoundError, ValidationError } from '../errors.js';
import { packOutput } from './chunks.repo.js';

/** The chunks packed output is cut into, as texts. */
const pieces = (text: string, max?: number) => {
  const { data, offsets, lengths } = packOutput(text, max);
  return offsets.map((o, i) => data.toString('utf8', o, o + (lengths[i] ?? 0)));
};

describe('packOutput', () => {
  it('keeps pieces within the byte limit without cutting a character', () => {
    const text = 'aé€😀'.repeat(1000);
    const cut = pieces(text, 7);
    expect(cut.join('')).toBe(text);
    for (const p of cut) {
      expect(Buffer.byteLength(p)).toBeLessThanOrEqual(7);
      expect(p).not.toContain('\uFFFD');
    }
  });

  it('replaces NUL, which PostgreSQL text cannot hold', () => {
    expect(pieces('a\u0000b')).toEqual(['a\uFFFDb']);
  });
});

describe('chunks repository', async () => {
  const { make, chunks, runs, runningRun } = await useOutputFixture();

  it('appends in order with dense seq from 0 and keeps bytes in step', async () => {
    const run = await runningRun();
    const first = await chunks.append(run.id, 'line 1\n');
    const more = await chunks.append(run.id, ['line 2\n', 'ligne 3 é\n']);
    expect([...first, ...more].map((c) => c.seq)).toEqual([0, 1, 2]);
    expect(await chunks.text(run.id)).toBe('line 1\nline 2\nligne 3 é\n');
    const after = await runs.get(run.id);
    expect(after.bytes).toBe(Buffer.byteLength('line 1\nline 2\nligne 3 é\n'));
    expect(after.chunkCount).toBe(3);
    expect((await chunks.list(run.id, 0)).map((c) => c.seq)).toEqual([1, 2]);
    expect((await chunks.list(run.id, -1, 2)).map((c) => c.seq)).toEqual([0, 1]);
  });

  it('reads several runs after several seqs in one statement, in the order asked', async () => {
    const a = await runningRun();
    const b = await runningRun();
    await chunks.append(a.id, ['a0', 'a1', 'a2', 'a3']);
    await chunks.append(b.id, ['b0', 'b1']);
    const pages = await chunks.listMany(
      [
        { runId: b.id, afterSeq: -1 },
        { runId: a.id, afterSeq: 1 },
        { runId: a.id, afterSeq: -1 },
        { runId: b.id, afterSeq: 1 },
        { runId: 987_654, afterSeq: -1 },
      ],
      3,
    );
    expect(pages.map((p) => p.map((c) => c.data))).toEqual([
      ['b0', 'b1'],
      ['a2', 'a3'],
      ['a0', 'a1', 'a2'],
      [],
      [],
    ]);
    expect(await chunks.listMany([])).toEqual([]);
  });

  it('keeps seq dense and ordered under 20 concurrent appends to one run', async () => {
    const run = await runningRun();
    await Promise.all(
      Array.from({ length: 20 }, (_, i) => chunks.append(run.id, [`a${i} `, `b${i} `])),
    );
    const stored = await chunks.list(run.id, -1, 1000);
    expect(stored.map((c) => c.seq)).toEqual(Array.from({ length: 40 }, (_, i) => i));
    // Each call's two pieces stay next to each other, in order.
    for (let i = 0; i < 40; i += 2) {
      const n = stored[i]?.data.slice(1);
      expect(stored[i + 1]?.data).toBe(`b${n}`);
    }
    const after = await runs.get(run.id);
    expect(after.bytes).toBe(stored.reduce((s, c) => s + Buffer.byteLength(c.data), 0));
    expect(after.chunkCount).toBe(40);
  });

  it('splits output over 64 KiB into several chunks', async () => {
    const run = await runningRun();
    const big = 'x'.repeat(64 * 1024 * 2 + 10);
    const stored = await chunks.append(run.id, big);
    expect(stored.map((c) => c.data.length)).toEqual([65536, 65536, 10]);
    expect(await chunks.text(run.id)).toBe(big);
    expect((await runs.get(run.id)).bytes).toBe(big.length);
  });

  it('stores a batch as chunks of at most 64 KiB, whole characters and NUL replaced', async () => {
    const run = await runningRun();
    // 3 and 4 byte characters across the 64 KiB cuts, and a NUL in a later piece.
    const wide = 'é€😀'.repeat(9000);
    const pieces = [wide, 'tail\u0000end\n'];
    expect(await chunks.store(run.id, pieces)).toBe(2);
    expect(await chunks.store(run.id, 'one more\n')).toBe(3);
    const stored = await chunks.list(run.id);
    for (const c of stored) {
      expect(Buffer.byteLength(c.data)).toBeLessThanOrEqual(64 * 1024);
      expect(c.data.startsWith('\uFFFD') || c.data.includes('\uFFFD\uFFFD')).toBe(false);
    }
    const text = `${wide}tail\uFFFDend\none more\n`;
    expect(stored.map((c) => c.data).join('')).toBe(text);
    // The second piece starts a chunk of its own.
    expect(stored[2]?.data).toBe('tail\uFFFDend\n');
    expect((await runs.get(run.id)).bytes).toBe(Buffer.byteLength(text));
  });

  it('stores the output of several runs in one statement, each with its own seqs', async () => {
    const [a, b, done] = [await runningRun(), await runningRun(), await runningRun()];
    await chunks.store(a.id, 'a0\n');
    await runs.finish(done.id, { status: 'ok', exitCode: 0 });
    const big = 'é'.repeat(40_000); // 80,000 bytes: two chunks
    expect(
      await chunks.storeMany([
        { runId: a.id, output: 'a1\n' },
        { runId: b.id, output: big },
        { runId: done.id, output: 'late\n' },
      ]),
    ).toEqual([1, 1, undefined]);
    expect((await chunks.list(a.id)).map((c) => [c.seq, c.data])).toEqual([
      [0, 'a0\n'],
      [1, 'a1\n'],
    ]);
    expect((await chunks.list(b.id)).map((c) => c.data).join('')).toBe(big);
    expect(await runs.get(b.id)).toMatchObject({ chunkCount: 2, bytes: 80_000 });
    // Nothing of a run that is no longer running.
    expect(await chunks.list(done.id)).toEqual([]);
    await expect(
      chunks.storeMany([
        { runId: a.id, output: 'x' },
        { runId: a.id, output: 'y' },
      ]),
    ).rejects.toThrow(ValidationError);
  });

  it('adds output only while a run is running', async () => {
    const pending = await make.run();
    await expect(chunks.append(pending.id, 'x')).rejects.toThrow(InvalidStateError);
    const done = await runningRun();
    await runs.finish(done.id, { status: 'ok', exitCode: 0 });
    await expect(chunks.append(done.id, 'x')).rejects.toThrow(
      new InvalidStateError(`run ${done.id} is ok; output is only added while it runs`),
    );
    await expect(chunks.append(777_777, 'x')).rejects.toThrow(NotFoundError);
    expect(await chunks.append(done.id, [])).toEqual([]);
  });
});
