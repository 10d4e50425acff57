import path from 'node:path';
import type { Config } from '@netauto/config';
import { connectDatabase, type ConnectOptions, type Database } from './connection.js';
import { startEmbeddedPostgres, type RunningPostgres } from './embedded.js';

export interface OpenedDatabase {
  db: Database;
  /** The embedded server, when DATABASE_URL was not set. */
  embedded?: RunningPostgres;
  /** Closes the pool, then stops the embedded server if this process started it. */
  close(): Promise<void>;
}

/**
 * The database of a process: DATABASE_URL when set, otherwise an embedded PostgreSQL
 * whose data lives in `<NETAUTO_DATA_DIR>/pg` (default `./.netauto/pg`). The settings
 * are the database section of the configuration its entry point loaded.
 */
export async function openDatabase(
  config: Pick<Config, 'database'>,
  options: ConnectOptions & { cwd?: string; database?: string } = {},
): Promise<OpenedDatabase> {
  const env = config.database;
  if (env.DATABASE_URL) {
    const db = connectDatabase(env.DATABASE_URL, { poolMax: env.NETAUTO_DB_POOL_MAX, ...options });
    return { db, close: () => db.close() };
  }
  const dir = path.resolve(options.cwd ?? process.cwd(), env.NETAUTO_DATA_DIR, 'pg');
  const embedded = await startEmbeddedPostgres({ dir, persistent: true });
  const name = options.database ?? 'netauto';
  await ensureDatabase(embedded.adminUrl, name);
  const db = connectDatabase(embedded.urlFor(name), {
    poolMax: env.NETAUTO_DB_POOL_MAX,
    ...options,
  });
  return {
    db,
    embedded,
    async close() {
      await db.close();
      await embedded.stop();
    },
  };
}

async function ensureDatabase(adminUrl: string, name: string): Promise<void> {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount === 0) {
      await client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`).catch((e: unknown) => {
        // Another process may have created it a moment ago.
        if ((e as { code?: string }).code !== '42P04') throw e;
      });
    }
  } finally {
    await client.end();
  }
}
