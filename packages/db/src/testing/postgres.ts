import { randomBytes } from 'node:crypto';
import { loadConfig } from '@netauto/config';
import pg from 'pg';
import { connectDatabase, type Database } from '../connection.js';
import { startTemporaryPostgres } from '../embedded.js';

/** What a test run shares between its files: a server and a migrated template database. */
export interface TestPostgres {
  adminUrl: string;
  template: string;
}

/**
 * Starts what the tests of one package share: a throwaway embedded PostgreSQL (or the
 * server at NETAUTO_TEST_DATABASE_URL, an admin URL, when set) with a template
 * database that has every migration applied. Call it from a vitest globalSetup.
 */
export async function setupTestPostgres(
  given = loadConfig(process.env, ['database']).database.NETAUTO_TEST_DATABASE_URL,
): Promise<TestPostgres & { stop(): Promise<void> }> {
  const server = given
    ? { adminUrl: given, stop: () => Promise.resolve() }
    : await startTemporaryPostgres();
  const template = `netauto_tpl_${process.pid}_${randomBytes(3).toString('hex')}`;
  await adminQuery(server.adminUrl, `CREATE DATABASE ${template}`);
  const db = connectDatabase(urlFor(server.adminUrl, template), { poolMax: 2 });
  try {
    await db.migrate();
  } finally {
    await db.close();
  }
  return {
    adminUrl: server.adminUrl,
    template,
    async stop() {
      if (given) await dropDatabase(server.adminUrl, template);
      await server.stop();
    },
  };
}

export interface TestDatabase {
  db: Database;
  url: string;
  name: string;
  /** Closes the pool and drops the database. */
  drop(): Promise<void>;
}

/** A fresh, migrated database of its own, cloned from the template: one per test file. */
export async function createTestDatabase(shared: TestPostgres): Promise<TestDatabase> {
  const name = `netauto_t_${randomBytes(6).toString('hex')}`;
  await adminQuery(shared.adminUrl, `CREATE DATABASE ${name} TEMPLATE ${shared.template}`);
  const url = urlFor(shared.adminUrl, name);
  const db = connectDatabase(url, { poolMax: 25 });
  return {
    db,
    url,
    name,
    async drop() {
      await db.close();
      await dropDatabase(shared.adminUrl, name);
    },
  };
}

/** An empty database (no migrations), for migration tests. */
export async function createEmptyDatabase(
  shared: TestPostgres,
): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `netauto_e_${randomBytes(6).toString('hex')}`;
  await adminQuery(shared.adminUrl, `CREATE DATABASE ${name}`);
  return { url: urlFor(shared.adminUrl, name), drop: () => dropDatabase(shared.adminUrl, name) };
}

export function urlFor(adminUrl: string, database: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

async function dropDatabase(adminUrl: string, name: string): Promise<void> {
  await adminQuery(adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
}

async function adminQuery(adminUrl: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
