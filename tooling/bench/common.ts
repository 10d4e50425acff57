// What the benchmarks share: a throwaway database, the bare ssh2 loop NetAuto is
// compared against, and how a benchmark ends.
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { connect as netConnect, type AddressInfo } from 'node:net';
import path from 'node:path';
import { createApiServer, createServices, type ServiceOptions, type Services } from '@netauto/api';
import { createNetAutoClient, sessionFetch, type NetAutoClient } from '@netauto/client';
import { loadConfig } from '@netauto/config';
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

/** CPU time (user + system) of a process, in ms, with its reaped children's if asked. */
function cpuMs(pid: number, withChildren = false): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    // After the name: utime, stime, cutime, cstime are fields 14-17 of stat (11-14 here).
    const at = (i: number) => Number(fields[i] ?? 0);
    const ticks = at(11) + at(12) + (withChildren ? at(13) + at(14) : 0);
    return (ticks * 1000) / 100;
  } catch {
    return 0;
  }
}

/** The ids of the live processes whose parent is `ppid`. */
function childrenOf(ppid: number): number[] {
  return readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .map(Number)
    .filter((pid) => {
      try {
        const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ');
        return Number(fields?.[1]) === ppid;
      } catch {
        return false;
      }
    });
}

/**
 * CPU time used so far, in ms: by this process, by a worker process, and by the
 * PostgreSQL server this process started (its postmaster, live backends and those
 * that have ended). Differences of two readings tell what a phase cost, whatever
 * else the machine was doing meanwhile.
 */
export function cpuReading(workerPid: number | undefined): {
  self: number;
  worker: number;
  postgres: number;
} {
  const usage = process.cpuUsage();
  let postgres = 0;
  for (const pid of childrenOf(process.pid)) {
    const comm = (() => {
      try {
        return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
      } catch {
        return '';
      }
    })();
    if (!comm.startsWith('postgres')) continue;
    postgres += cpuMs(pid, true);
    for (const backend of childrenOf(pid)) postgres += cpuMs(backend);
  }
  return {
    self: (usage.user + usage.system) / 1000,
    worker: workerPid === undefined ? 0 : cpuMs(workerPid),
    postgres,
  };
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

/** The worker bin, run as its own process as in a deployment. */
const WORKER = path.resolve(import.meta.dirname, '../../packages/worker/dist/bin/worker.js');

/** A netauto-worker process on the database; its errors go to this process's stderr. */
export function startWorkerProcess(url: string, env: Record<string, string>): ChildProcess {
  // BENCH_WORKER_NODE_OPTIONS: flags for the worker's node, such as --cpu-prof.
  const flags = (process.env.BENCH_WORKER_NODE_OPTIONS ?? '').split(' ').filter(Boolean);
  return spawn(process.execPath, [...flags, WORKER], {
    env: { ...process.env, DATABASE_URL: url, ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

/** Stops a worker process (SIGTERM: it finishes what it has) and waits for it. */
export async function stopWorkerProcess(worker: ChildProcess): Promise<void> {
  if (worker.exitCode !== null) return;
  worker.kill('SIGTERM');
  await new Promise((resolve) => worker.once('exit', resolve));
}

/**
 * The API on a loopback port, and a client of it with an operator's API token, as a
 * script would use it.
 */
export async function benchApi(
  db: Database,
  options: ServiceOptions = {},
): Promise<{
  services: Services;
  url: string;
  token: string;
  api: NetAutoClient;
  stop: () => Promise<void>;
}> {
  const services = createServices(db, loadConfig({}), options);
  const server = createApiServer(services);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  await services.users.create(null, {
    email: 'bench@example.net',
    password: 'bench-password',
    role: 'operator',
  });
  const session = createNetAutoClient({ url, fetch: sessionFetch() });
  await session.auth.login.mutate({ email: 'bench@example.net', password: 'bench-password' });
  const { token } = await session.auth.tokens.create.mutate({ name: 'bench' });
  return {
    services,
    url,
    token,
    api: createNetAutoClient({ url, token }),
    stop: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await services.hub.stop();
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
