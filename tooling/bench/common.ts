// What the benchmarks share: a throwaway database, the bare ssh2 loop NetAuto is
// compared against, and how a benchmark ends.
import { connect as netConnect } from 'node:net';
import { connectDatabase, startTemporaryPostgres, type Database } from '@netauto/db';
import type { SimDevice } from '@netauto/devsim';
import ssh2 from 'ssh2';

export function intFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive integer`);
  return n;
}

/** Runs `work` over every item, `concurrency` at a time. */
export async function pool<T>(
  items: readonly T[],
  concurrency: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next] as T;
      next += 1;
      await work(item);
    }
  });
  await Promise.all(lanes);
}

/** The bare loop: connect (Nagle off), log in, exec, read everything, close. */
export function bareExec(
  device: SimDevice,
  command: string,
  password: string,
  onData: (bytes: number) => void,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = netConnect({ host: device.host, port: device.port });
    socket.setNoDelay(true);
    socket.once('error', reject);
    socket.once('connect', () => {
      const client = new ssh2.Client();
      client.on('error', reject);
      client.on('ready', () => {
        client.exec(command, (error, channel) => {
          if (error) {
            reject(error);
            return;
          }
          channel.on('data', (data: Buffer) => {
            onData(data.length);
          });
          channel.stderr.on('data', (data: Buffer) => {
            onData(data.length);
          });
          channel.on('close', () => {
            client.end();
            resolve();
          });
        });
      });
      client.connect({
        sock: socket,
        username: device.spec.username,
        password,
        hostVerifier: () => true,
      });
    });
  });
}

/** A migrated database of its own on a throwaway embedded PostgreSQL. */
export async function throwawayDatabase(
  name: string,
): Promise<{ db: Database; url: string; stop(): Promise<void> }> {
  const server = await startTemporaryPostgres();
  const admin = connectDatabase(server.adminUrl, { poolMax: 1 });
  await admin.sequelize.query(`CREATE DATABASE ${name}`);
  await admin.close();
  const url = server.urlFor(name);
  const db = connectDatabase(url, { poolMax: 20 });
  await db.migrate();
  return {
    db,
    url,
    async stop() {
      await db.close();
      await server.stop();
    },
  };
}

/** Runs a benchmark and exits: 0 when it printed its figures, 1 when it failed. */
export function runBenchmark(main: () => Promise<void>): void {
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
