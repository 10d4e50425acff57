import { QueryTypes, type ModelAttributeColumnOptions } from 'sequelize';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { connectDatabase } from '../src/connection.js';
import { MIGRATIONS } from '../src/migrations/index.js';
import { MODELS, type Device } from '../src/models/index.js';
import { createEmptyDatabase } from '../src/testing/index.js';

const TABLES = [
  'api_tokens',
  'audit_events',
  'bulks',
  'command_templates',
  'credentials',
  'device_group_memberships',
  'device_groups',
  'devices',
  'known_hosts',
  'login_failures',
  'login_known_addresses',
  'run_chunks',
  'runs',
  'sessions',
  'users',
];

describe('migrations', async () => {
  const empty = await createEmptyDatabase(inject('netautoPg'));
  const db = connectDatabase(empty.url, { poolMax: 3 });
  afterAll(async () => {
    await db.close();
    await empty.drop();
  });

  async function tables(): Promise<string[]> {
    const rows = await db.sequelize.query(
      `SELECT table_name::text AS name FROM information_schema.tables
       WHERE table_schema = 'public' AND table_name <> 'netauto_migrations' ORDER BY 1`,
      { type: QueryTypes.SELECT },
    );
    return (rows as { name: string }[]).map((r) => r.name);
  }

  it('creates every table on an empty database, and a second migrate is a no-op', async () => {
    expect(await tables()).toEqual([]);
    expect(await db.migrate()).toEqual(MIGRATIONS.map((m) => m.name));
    expect(await tables()).toEqual(TABLES);
    expect(await db.migrate()).toEqual([]);
    expect(await db.migrationStatus()).toEqual({
      applied: MIGRATIONS.map((m) => m.name),
      pending: [],
    });
  });

  it('goes down to nothing and up again', async () => {
    await db.rollback(MIGRATIONS.length);
    expect(await tables()).toEqual([]);
    expect((await db.migrationStatus()).applied).toEqual([]);
    await db.migrate();
    expect(await tables()).toEqual(TABLES);
  });

  it('applies once when several processes migrate at the same moment', async () => {
    await db.rollback(MIGRATIONS.length);
    const others = [1, 2, 3].map(() => connectDatabase(empty.url, { poolMax: 2 }));
    try {
      const applied = await Promise.all(others.map((o) => o.migrate()));
      expect(applied.flat()).toEqual(MIGRATIONS.map((m) => m.name));
    } finally {
      await Promise.all(others.map((o) => o.close()));
    }
    expect(await tables()).toEqual(TABLES);
  });

  it('reset drops rows and re-applies the schema', async () => {
    await db.sequelize.query(`INSERT INTO device_groups (name) VALUES ('to-be-dropped')`);
    await db.reset();
    const rows = await db.sequelize.query('SELECT count(*)::int AS n FROM device_groups', {
      type: QueryTypes.SELECT,
    });
    expect(rows).toEqual([{ n: 0 }]);
  });

  it('has a column of a matching type for every model attribute', async () => {
    const rows = await db.sequelize.query(
      `SELECT table_name::text, column_name::text, data_type::text, is_nullable::text
       FROM information_schema.columns
       WHERE table_schema = 'public'`,
      { type: QueryTypes.SELECT },
    );
    const columns = new Map(
      (
        rows as {
          table_name: string;
          column_name: string;
          data_type: string;
          is_nullable: string;
        }[]
      ).map((r) => [`${r.table_name}.${r.column_name}`, r]),
    );
    expect(columns.get('devices.hostname')?.data_type).toBe('character varying');
    const sqlType: Record<string, string[]> = {
      INTEGER: ['integer'],
      BIGINT: ['bigint'],
      SMALLINT: ['smallint'],
      'VARCHAR(253)': ['character varying'],
      TEXT: ['text'],
      INET: ['inet'],
      JSONB: ['jsonb'],
      BOOLEAN: ['boolean'],
      'TIMESTAMP WITH TIME ZONE': ['timestamp with time zone'],
      BYTEA: ['bytea'],
    };
    for (const model of MODELS) {
      const repo = db.sequelize.getRepository(model as typeof Device);
      for (const attr of Object.values<ModelAttributeColumnOptions>(repo.getAttributes())) {
        const key = `${repo.tableName}.${attr.field ?? ''}`;
        const column = columns.get(key);
        expect(column, `column ${key}`).toBeDefined();
        const type = attr.type.toString({});
        expect(sqlType[type], `${key}: ${type}`).toContain(column?.data_type);
      }
    }
  });
});
