import { InvalidStateError, observeStatements, repositories } from '@netauto/db';
import { factories } from '@netauto/db/testing';
import { describe, expect, it } from 'vitest';
import { StoreBatcher } from '../src/store-batcher.js';
import { useTestDatabase } from './db.js';

describe("the store batcher of a worker's runs", async () => {
  const { db } = await useTestDatabase();
  const repos = repositories(db);
  const make = factories(db);
  const runningRun = async () => {
    const run = await make.run();
    await repos.runs.markRunning(run.id);
    return run;
  };

  it('stores output flushed together in one statement, each run its own answer', async () => {
    const batcher = new StoreBatcher(db);
    const runs = [await runningRun(), await runningRun(), await runningRun()];
    const stored: string[] = [];
    const stop = observeStatements(db.sequelize, (sql) => {
      if (sql.includes('INSERT INTO run_chunks')) stored.push(sql);
    });
    const lasts = await Promise.all(runs.map((r) => batcher.store(r.id, `line of ${r.id}\n`)));
    stop();
    expect(lasts).toEqual([0, 0, 0]);
    expect(stored).toHaveLength(1);
    for (const r of runs) expect(await repos.chunks.text(r.id)).toBe(`line of ${r.id}\n`);
  });

  it('a run that is no longer running is refused on its own; the others are stored', async () => {
    const batcher = new StoreBatcher(db);
    const [a, gone, b] = [await runningRun(), await runningRun(), await runningRun()];
    await repos.runs.finish(gone.id, { status: 'ok', exitCode: 0 });
    const results = await Promise.allSettled([
      batcher.store(a.id, 'a\n'),
      batcher.store(gone.id, 'late\n'),
      batcher.store(b.id, 'b\n'),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    const refused = results[1];
    expect(refused.status === 'rejected' && refused.reason).toBeInstanceOf(InvalidStateError);
    expect(await repos.chunks.text(a.id)).toBe('a\n');
    expect(await repos.chunks.text(b.id)).toBe('b\n');
    expect(await repos.chunks.text(gone.id)).toBe('');
  });
});
