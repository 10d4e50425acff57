import { QueryTypes } from 'sequelize';
import { describe, expect, it } from 'vitest';
import { useTestDatabase } from '../../test/db.js';
import { ValidationError } from '../errors.js';

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

describe('login failures repository', async () => {
  const { repos, db } = await useTestDatabase();
  const failures = repos.loginFailures;

  /** Makes the failures of an e-mail older by an SQL interval. */
  async function age(email: string, interval: string): Promise<void> {
    await db.sequelize.query(
      `UPDATE login_failures SET created_at = created_at - $2::interval WHERE email = $1`,
      { bind: [email, interval] },
    );
  }

  const facts = (email: string, clientIp: string | null, horizonMs = DAY) =>
    failures.facts({
      email,
      clientIp,
      horizonMs,
      pairRecent: 5,
      addressRecent: 50,
      knownForMs: 90 * DAY,
    });
  const counts = async (email: string, clientIp: string | null, horizonMs = DAY) => {
    const f = await facts(email, clientIp, horizonMs);
    return { pair: f.pair.count, address: f.address.count, account: f.account.count };
  };

  it('counts failures by e-mail and address, by address, and by e-mail (in any case)', async () => {
    expect(await counts('a@example.net', '192.0.2.1')).toEqual({
      pair: 0,
      address: 0,
      account: 0,
    });
    await failures.record('A@Example.net', '192.0.2.1');
    await failures.record('a@example.net', '192.0.2.2');
    await failures.record('other@example.net', '192.0.2.1');
    await failures.record('a@example.NET', null);
    expect(await counts('a@EXAMPLE.net', '192.0.2.1')).toEqual({
      pair: 1,
      address: 2,
      account: 3,
    });
    expect(await counts('nobody@example.net', '192.0.2.2')).toEqual({
      pair: 0,
      address: 1,
      account: 0,
    });
    // No address is one address of its own.
    expect(await counts('a@example.net', null)).toEqual({ pair: 1, address: 1, account: 3 });
  });

  it('tells how long ago the most recent failures were, newest first and at most as asked', async () => {
    for (let i = 0; i < 3; i++) await failures.record('recent@example.net', '192.0.2.40');
    await age('recent@example.net', '10 minutes');
    for (let i = 0; i < 4; i++) await failures.record('recent@example.net', '192.0.2.40');
    const f = await facts('recent@example.net', '192.0.2.40');
    expect(f.pair.count).toBe(7);
    expect(f.pair.agoMs).toHaveLength(5);
    expect(f.pair.agoMs).toEqual([...f.pair.agoMs].sort((a, b) => a - b));
    expect(f.pair.agoMs.slice(0, 4).every((ms) => ms >= 0 && ms < MINUTE)).toBe(true);
    expect(f.pair.agoMs[4]).toBeGreaterThanOrEqual(10 * MINUTE);
    expect(f.address.agoMs).toHaveLength(7);
    expect(f.account.lastAgoMs).toBeLessThan(MINUTE);
  });

  it('stores e-mails lower-cased', async () => {
    await failures.record('  MiXeD@Example.NET ', '198.51.100.1');
    const rows = await db.sequelize.query<{ email: string }>(
      `SELECT email FROM login_failures WHERE client_ip = '198.51.100.1'`,
      { type: QueryTypes.SELECT },
    );
    expect(rows).toEqual([{ email: 'mixed@example.net' }]);
    await expect(
      db.sequelize.query(`INSERT INTO login_failures (email) VALUES ('Upper@example.net')`),
    ).rejects.toThrow();
  });

  it('counts only the failures inside the horizon, by the database clock', async () => {
    for (let i = 0; i < 3; i++) await failures.record('window@example.net', '203.0.113.9');
    await age('window@example.net', '10 minutes');
    await failures.record('window@example.net', '203.0.113.9');
    expect(await counts('window@example.net', '203.0.113.9', 5 * MINUTE)).toEqual({
      pair: 1,
      address: 1,
      account: 1,
    });
    expect(await counts('window@example.net', '203.0.113.9', 15 * MINUTE)).toEqual({
      pair: 4,
      address: 4,
      account: 4,
    });
  });

  it('after a success, forgets that address’s failures for the e-mail and knows the address', async () => {
    await failures.record('clear@example.net', '203.0.113.20');
    await failures.record('clear@example.net', '203.0.113.20');
    await failures.record('clear@example.net', '203.0.113.21');
    await failures.record('keep@example.net', '203.0.113.20');
    expect((await facts('clear@example.net', '203.0.113.20')).knownAddress).toBe(false);
    await failures.succeeded('CLEAR@example.net', '203.0.113.20');
    const after = await facts('clear@example.net', '203.0.113.20');
    expect(after).toMatchObject({
      pair: { count: 0 },
      address: { count: 1 },
      // Failures from elsewhere still count: they may be someone else's guesses.
      account: { count: 1 },
      knownAddress: true,
    });
    expect((await facts('clear@example.net', '203.0.113.21')).knownAddress).toBe(false);
    expect((await facts('keep@example.net', '203.0.113.20')).knownAddress).toBe(false);
    // A second success keeps one row, and an address is known only for so long.
    await failures.succeeded('clear@example.net', '203.0.113.20');
    await db.sequelize.query(
      `UPDATE login_known_addresses SET last_success_at = now() - interval '91 days'`,
    );
    expect((await facts('clear@example.net', '203.0.113.20')).knownAddress).toBe(false);
    // With no address, nothing becomes known.
    await failures.record('noaddr@example.net', null);
    await failures.succeeded('noaddr@example.net', null);
    expect(await facts('noaddr@example.net', null)).toMatchObject({
      pair: { count: 0 },
      knownAddress: false,
    });
  });

  it('purges failures older than the window', async () => {
    await failures.purgeOlderThan(MINUTE * 60 * 24 * 365);
    await failures.record('purge@example.net', '203.0.113.30');
    await failures.record('purge@example.net', '203.0.113.30');
    await age('purge@example.net', '2 hours');
    await failures.record('purge@example.net', '203.0.113.30');
    const before = await db.sequelize.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM login_failures',
      { type: QueryTypes.SELECT },
    );
    expect(await failures.purgeOlderThan(60 * MINUTE)).toBe(2);
    const after = await db.sequelize.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM login_failures',
      { type: QueryTypes.SELECT },
    );
    expect((before[0]?.n ?? 0) - (after[0]?.n ?? 0)).toBe(2);
    expect((await counts('purge@example.net', null, 3 * 60 * MINUTE)).account).toBe(1);
  });

  it('refuses a bad horizon or count', async () => {
    await expect(facts('a@example.net', null, 0)).rejects.toThrow(ValidationError);
    await expect(
      failures.facts({
        email: 'a@example.net',
        clientIp: null,
        horizonMs: DAY,
        pairRecent: 0,
        addressRecent: 50,
        knownForMs: DAY,
      }),
    ).rejects.toThrow(ValidationError);
    await expect(failures.purgeOlderThan(-5)).rejects.toThrow(ValidationError);
  });
});
