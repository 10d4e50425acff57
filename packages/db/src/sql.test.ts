import { describe, expect, it } from 'vitest';
import { useTestDatabase } from '../test/db.js';
import { NotFoundError } from './errors.js';
import { failedWithoutEffect, inTransaction, observeStatements, select, selectOne } from './sql.js';

describe('statements', async () => {
  const { db: database } = await useTestDatabase();
  const db = { sequelize: database.sequelize };

  it('tells a statement the server refused (nothing kept) from a lost connection', async () => {
    const refused = await select(db, 'SELECT 1 / $1::int', [0]).catch((e: unknown) => e);
    expect(failedWithoutEffect(refused)).toBe(true);
    expect(failedWithoutEffect(new NotFoundError('device', 1))).toBe(true);
    const lost = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
    expect(failedWithoutEffect(lost)).toBe(false);
    expect(failedWithoutEffect(new Error('Connection terminated unexpectedly'))).toBe(false);
  });

  it('keeps a hot statement prepared on its connection, and plans others each time', async () => {
    const hot = 'SELECT $1::int + 1 AS n';
    const names = await inTransaction(db, async (tx) => {
      expect(await selectOne<{ n: number }>(tx, hot, [41], { prepare: true })).toEqual({ n: 42 });
      expect(await selectOne<{ n: number }>(tx, hot, [1], { prepare: true })).toEqual({ n: 2 });
      await select(tx, 'SELECT $1::int AS once', [1]);
      return select<{ name: string; statement: string }>(
        tx,
        'SELECT name, statement FROM pg_prepared_statements',
      );
    });
    expect(names.map((n) => n.statement)).toEqual([hot]);
    expect(names[0]?.name).toMatch(/^netauto_[0-9a-f]{20}$/);
  });

  it('tells observers every statement with its parameters, and translates driver errors', async () => {
    const seen: [string, readonly unknown[]][] = [];
    const stop = observeStatements(db.sequelize, (sql, bind) => seen.push([sql, bind]));
    await select(db, 'SELECT $1::text AS t', ['x']);
    stop();
    await select(db, 'SELECT 1 AS after');
    expect(seen).toEqual([['SELECT $1::text AS t', ['x']]]);
    await expect(
      select(db, `INSERT INTO runs (device_id, command) VALUES (987654, 'x') RETURNING id`),
    ).rejects.toThrow(NotFoundError);
  });
});
