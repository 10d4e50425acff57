import { BULK_PROGRESS_CHANNEL, OUTPUT_CHANNEL } from '@netauto/db';
import { afterAll, describe, expect, it } from 'vitest';
import { BulkProgressHub, Listener, OutputHub } from '../src/follow.js';
import { useTestDatabase } from './db.js';

describe('the listener of a process', async () => {
  const { db, url, name } = await useTestDatabase();
  const listener = new Listener(url);
  const runs = new OutputHub(listener);
  const bulks = new BulkProgressHub(listener);
  afterAll(() => listener.stop());

  const notify = (channel: string, payload: string) =>
    db.rows('SELECT pg_notify($1, $2)', [channel, payload]);

  it('wakes followers of runs and of bulks, with what was said, on one connection', async () => {
    // Connected by the first waiter; a timeout of nothing said tells it is listening.
    await runs.next(1, undefined, 200).promise;
    const seq = runs.next(7, undefined, 5000);
    const end = runs.next(8, undefined, 5000);
    const bulk = bulks.next(7, undefined, 5000);
    await notify(OUTPUT_CHANNEL, '7:12');
    await notify(OUTPUT_CHANNEL, '8:end');
    await notify(BULK_PROGRESS_CHANNEL, '7');
    expect(await seq.promise).toBe(12);
    expect(await end.promise).toBe('end');
    // A bulk's announcement says nothing but its id: the waiter is woken before the timeout.
    const started = Date.now();
    await bulk.promise;
    expect(Date.now() - started).toBeLessThan(4000);
    const listening = await db.rows<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND query LIKE 'LISTEN%'`,
      [name],
    );
    expect(listening).toEqual([{ n: 1 }]);
  });

  it('a run and a bulk of the same id are told apart; abort and timeout say nothing', async () => {
    const stop = new AbortController();
    const aborted = runs.next(9, stop.signal, 5000);
    const bulk = bulks.next(9, undefined, 5000);
    let bulkWoken = false;
    void bulk.promise.then(() => {
      bulkWoken = true;
    });
    await notify(OUTPUT_CHANNEL, '9:3');
    expect(await aborted.promise).toBe(3);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(bulkWoken).toBe(false);
    const again = runs.next(9, stop.signal, 5000);
    stop.abort();
    expect(await again.promise).toBeUndefined();
    bulk.cancel();
    expect(await runs.next(10, undefined, 50).promise).toBeUndefined();
  });

  it('a wake-up cancelled after it came leaves later waiters of the same run listening', async () => {
    const first = runs.next(11, undefined, 5000);
    await notify(OUTPUT_CHANNEL, '11:0');
    expect(await first.promise).toBe(0);
    // A follower waits again (or another follower of the run starts waiting)...
    const second = runs.next(11, undefined, 5000);
    // ...and the first wake-up is cancelled late, as a follower does after a full page.
    first.cancel();
    const started = Date.now();
    await notify(OUTPUT_CHANNEL, '11:1');
    expect(await second.promise).toBe(1);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it("remembers a run's end announced while nobody waited", async () => {
    await runs.next(12, undefined, 200).promise;
    expect(runs.heardEnd(12)).toBe(false);
    // Nobody waits for run 12; a waiter of run 13 tells when the notifications are in
    // (they come in order on the one connection).
    const other = runs.next(13, undefined, 5000);
    await notify(OUTPUT_CHANNEL, '12:5');
    await notify(OUTPUT_CHANNEL, '12:end');
    await notify(OUTPUT_CHANNEL, '13:0');
    expect(await other.promise).toBe(0);
    expect(runs.heardEnd(12)).toBe(true);
    expect(runs.heardEnd(13)).toBe(false);
  });
});
