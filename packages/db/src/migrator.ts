import pg from 'pg';
import type { Sequelize } from 'sequelize-typescript';
import { SequelizeStorage, Umzug } from 'umzug';
import { MIGRATIONS } from './migrations/index.js';
import type { Sql } from './migrations/types.js';

/** Any number to serialise migrations across processes that start together. */
const MIGRATION_LOCK = 727_316_401;

export const MIGRATIONS_TABLE = 'netauto_migrations';

export function createMigrator(sequelize: Sequelize) {
  return new Umzug<Sql>({
    migrations: MIGRATIONS.map((m) => ({
      name: m.name,
      // Each migration runs in a transaction of its own: it applies whole or not at all.
      up: (params) =>
        sequelize.transaction(async (transaction) => {
          await m.up({ ...params, context: (text) => run(sequelize, text, transaction) });
        }),
      down: (params) =>
        sequelize.transaction(async (transaction) => {
          await m.down({ ...params, context: (text) => run(sequelize, text, transaction) });
        }),
    })),
    // umzug calls a function context to build the context: hand back the runner itself.
    context: () => (text: string) => run(sequelize, text),
    storage: new SequelizeStorage({ sequelize, tableName: MIGRATIONS_TABLE }),
    logger: undefined,
  });
}

async function run(sequelize: Sequelize, text: string, transaction?: unknown): Promise<void> {
  await sequelize.query(text, transaction ? { transaction: transaction as never } : {});
}

/**
 * Holds a PostgreSQL advisory lock while `fn` runs, so that several processes starting
 * at once apply migrations one after the other instead of racing.
 */
export async function withMigrationLock<T>(url: string, fn: () => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    return await fn();
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
    await client.end();
  }
}

export interface MigrationStatus {
  applied: string[];
  pending: string[];
}
