import { describe, expect, it } from 'vitest';
import { useOutputFixture } from '../../test/output.js';
import { InvalidStateError } from '../errors.js';
import { isDatabaseUnavailable } from '../unavailable.js';

// A worker whose connection was lost under a statement cannot know whether it was
// committed: it sends it again, saying where its output starts, and nothing is repeated.
describe('storing output and ending a run again after a lost connection', async () => {
  const { chunks, runs, runningRun } = await useOutputFixture();

  it('stores output sent twice once, with dense seqs', async () => {
    const run = await runningRun();
    expect(await chunks.store(run.id, 'one\n', 0)).toBe(0);
    // The same store again (its first answer was lost): not stored twice.
    expect(await chunks.store(run.id, 'one\n', 0)).toBe(0);
    const big = 'x'.repeat(70 * 1024);
    expect(await chunks.store(run.id, big, 1)).toBe(2);
    expect(await chunks.store(run.id, big, 1)).toBe(2);
    expect(await chunks.store(run.id, 'three\n', 3)).toBe(3);
    const stored = await chunks.list(run.id);
    expect(stored.map((c) => c.seq)).toEqual([0, 1, 2, 3]);
    expect(await chunks.text(run.id)).toBe(`one\n${big}three\n`);
    expect(await runs.get(run.id)).toMatchObject({
      chunkCount: 4,
      bytes: Buffer.byteLength(`one\n${big}three\n`),
    });
    // Output that does not follow what is stored is refused.
    await expect(chunks.store(run.id, 'gap\n', 7)).rejects.toThrow(InvalidStateError);
  });

  it('does the same when stores of several runs share a statement', async () => {
    const a = await runningRun();
    const b = await runningRun();
    expect(
      await chunks.storeMany([
        { runId: a.id, output: 'a0\n', first: 0 },
        { runId: b.id, output: 'b0\n', first: 0 },
      ]),
    ).toEqual([0, 0]);
    // Sent again: neither is stored twice (and the caller learns which were left out).
    expect(
      await chunks.storeMany([
        { runId: a.id, output: 'a0\n', first: 0 },
        { runId: b.id, output: 'b1\n', first: 1 },
      ]),
    ).toEqual([undefined, 1]);
    expect(await chunks.text(a.id)).toBe('a0\n');
    expect(await chunks.text(b.id)).toBe('b0\nb1\n');
  });

  it("ends a run sent twice once, and takes the second for the first's answer", async () => {
    const run = await runningRun();
    await chunks.store(run.id, 'so far\n', 0);
    const end = { status: 'ok', exitCode: 0 } as const;
    const first = await runs.complete(run.id, end, 'the rest\n', undefined, 1);
    expect(first).toMatchObject({ status: 'ok', chunkCount: 2 });
    const again = await runs.complete(run.id, end, 'the rest\n', undefined, 1);
    expect(again).toEqual(first);
    expect(await chunks.text(run.id)).toBe('so far\nthe rest\n');
    // A different end is still refused.
    await expect(
      runs.complete(run.id, { status: 'error', reason: 'canceled' }, '', undefined, 2),
    ).rejects.toThrow(InvalidStateError);
  });

  it('tells an unreachable database from other errors', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), {
      code: 'ECONNREFUSED',
    });
    expect(isDatabaseUnavailable(refused)).toBe(true);
    expect(
      isDatabaseUnavailable({ name: 'SequelizeConnectionRefusedError', parent: refused }),
    ).toBe(true);
    expect(isDatabaseUnavailable(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isDatabaseUnavailable({ code: '57P01', severity: 'FATAL' })).toBe(true);
    expect(isDatabaseUnavailable({ code: '23505' })).toBe(false);
    expect(isDatabaseUnavailable(new InvalidStateError('no'))).toBe(false);
  });
});
