import { connectDatabase } from '../connection.js';
import { startTemporaryPostgres } from '../embedded.js';
import { urlFor } from './postgres.js';
import pg from 'pg';

/** A PostgreSQL of a test's own that the test may take down and bring back. */
export interface RestartablePostgres {
  /** The superuser's URL of the `postgres` database. */
  adminUrl: string;
  /** The URL of a migrated database on it (`netauto`). */
  url: string;
  /** Stops the server at once (fast shutdown: every connection is cut, nothing is lost). */
  halt(): Promise<void>;
  /** Starts it again on the same data and port; resolves once it takes connections. */
  resume(): Promise<void>;
  /** Halts the server, waits `ms`, and starts it again. */
  outage(ms: number): Promise<void>;
  /** Stops it for good and removes its data. */
  stop(): Promise<void>;
}

/**
 * Starts a throwaway PostgreSQL of its own (never the package's shared test server,
 * which other test files use meanwhile) with one migrated database, for tests of what
 * an outage of the database does to the processes that use it.
 */
export async function startRestartablePostgres(): Promise<RestartablePostgres> {
  const server = await startTemporaryPostgres();
  try {
    const admin = new pg.Client({ connectionString: server.adminUrl });
    await admin.connect();
    try {
      await admin.query('CREATE DATABASE netauto');
    } finally {
      await admin.end();
    }
    const url = urlFor(server.adminUrl, 'netauto');
    const db = connectDatabase(url, { poolMax: 2 });
    try {
      await db.migrate();
    } finally {
      await db.close();
    }
    return {
      adminUrl: server.adminUrl,
      url,
      halt: () => server.halt(),
      resume: () => server.resume(),
      async outage(ms) {
        await server.halt();
        await new Promise((resolve) => setTimeout(resolve, ms));
        await server.resume();
      },
      stop: () => server.stop(),
    };
  } catch (error) {
    await server.stop();
    throw error;
  }
}
