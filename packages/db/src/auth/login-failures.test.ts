import { QueryTypes } from 'sequelize';
import { describe, expect, it } from 'vitest';
import { useTestDatabase } from '../../test/db.js';
import { ValidationError } from '../errors.js';

const MINUTE = 60_000;

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

  it('counts failures by e-mail (in any case) and by client address', async () => {
    expect(
      await failures.recent({ email: 'a@example.net', clientIp: '192.0.2.1', windowMs: MINUTE }),
    ).toEqual({ byEmail: 0, byIp: 0 });
    await failures.record('A@Example.net', '192.0.2.1');
    await failures.record('a@example.net', '192.0.2.2');
    await failures.record('other@example.net', '192.0.2.1');
    await failures.record('a@example.NET', null);
    expect(
      await failures.recent({ email: 'a@EXAMPLE.net', clientIp: '192.0.2.1', windowMs: MINUTE }),
    ).toEqual({ byEmail: 3, byIp: 2 });
    expect(
      await failures.recent({
        email: 'nobody@example.net',
        clientIp: '192.0.2.2',
        windowMs: MINUTE,
      }),
    ).toEqual({ byEmail: 0, byIp: 1 });
    expect(
      await failures.recent({ email: 'a@example.net', clientIp: null, windowMs: MINUTE }),
    ).toEqual({ byEmail: 3, byIp: 0 });
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

  it('counts only the failures inside the window, by the database clock', async () => {
    for (let i = 0; i < 3; i++) await failures.record('window@example.net', '203.0.113.9');
    await age('window@example.net', '10 minutes');
    await failures.record('window@example.net', '203.0.113.9');
    const query = { email: 'window@example.net', clientIp: '203.0.113.9' };
    expect(await failures.recent({ ...query, windowMs: 5 * MINUTE })).toEqual({
      byEmail: 1,
      byIp: 1,
    });
    expect(await failures.recent({ ...query, windowMs: 15 * MINUTE })).toEqual({
      byEmail: 4,
      byIp: 4,
    });
  });

  it('clears an e-mail after a successful login, leaving the rest', async () => {
    await failures.record('clear@example.net', '203.0.113.20');
    await failures.record('clear@example.net', '203.0.113.20');
    await failures.record('keep@example.net', '203.0.113.20');
    expect(await failures.clear('CLEAR@example.net')).toBe(2);
    expect(
      await failures.recent({
        email: 'clear@example.net',
        clientIp: '203.0.113.20',
        windowMs: MINUTE,
      }),
    ).toEqual({ byEmail: 0, byIp: 1 });
    expect(await failures.clear('clear@example.net')).toBe(0);
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
    expect(
      await failures.recent({
        email: 'purge@example.net',
        clientIp: null,
        windowMs: 3 * 60 * MINUTE,
      }),
    ).toEqual({ byEmail: 1, byIp: 0 });
  });

  it('refuses a bad window', async () => {
    await expect(
      failures.recent({ email: 'a@example.net', clientIp: null, windowMs: 0 }),
    ).rejects.toThrow(ValidationError);
    await expect(failures.purgeOlderThan(-5)).rejects.toThrow(ValidationError);
  });
});
