// A PostgreSQL of a scenario's own that the test can stop and start again: the same
// binaries, port and data folder, as an outage of a real server looks to its clients.
import { readFileSync, rmSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort, startEmbeddedPostgres, type RunningPostgres } from '@netauto/db';
import pg from 'pg';
import { onAbandon } from './reaper.js';

export interface StoppablePostgres {
  /** URL of a database of that name on this server. */
  urlFor(database: string): string;
  /** Creates an empty database (the server process migrates it when it starts). */
  createDatabase(name: string): Promise<string>;
  /** A fast shutdown (clients are cut off at once, as `pg_ctl stop -m fast`); data kept. */
  stop(): Promise<void>;
  /** Starts it again on the same port and data folder. */
  start(): Promise<void>;
  /** Stops it if it runs and removes its data: safe to call twice. */
  destroy(): Promise<void>;
}

export async function startStoppablePostgres(name: string): Promise<StoppablePostgres> {
  const dir = path.join(
    tmpdir(),
    `netauto-faults-${name}-${process.pid}-${Date.now().toString(36)}`,
  );
  const port = await freePort();
  const launch = () => startEmbeddedPostgres({ dir, port, persistent: true, fast: true });
  let server: RunningPostgres | undefined = await launch();
  const first = server;
  // Should this process end abruptly: an immediate shutdown, and the data goes.
  const forget = onAbandon(() => {
    try {
      const pid = Number(readFileSync(path.join(dir, 'postmaster.pid'), 'utf8').split('\n')[0]);
      if (Number.isInteger(pid) && pid > 0) process.kill(pid, 'SIGQUIT');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  return {
    urlFor: (database) => first.urlFor(database),
    async createDatabase(database) {
      const client = new pg.Client({ connectionString: first.adminUrl });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${database}`);
      } finally {
        await client.end();
      }
      return first.urlFor(database);
    },
    async stop() {
      const running = server;
      server = undefined;
      await running?.stop();
    },
    async start() {
      if (server) return;
      server = await launch();
    },
    async destroy() {
      const running = server;
      server = undefined;
      await running?.stop();
      await rm(dir, { recursive: true, force: true });
      forget();
    },
  };
}

/** One statement on a connection of its own (so that an outage leaves nothing broken here). */
export async function query<T>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return (await client.query(sql, params)).rows as T[];
  } finally {
    await client.end().catch(() => undefined);
  }
}
