// A real NetAuto for the CLI to talk to: a test database, the API server as a child
// process (restartable on the same port), queue workers and simulated devices.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '@netauto/db';
import { createTestDatabase, type TestPostgres } from '@netauto/db/testing';
import { startLab, type Lab, type SimDeviceSpec } from '@netauto/devsim';
import { DeviceAccess, HostKeys, Secrets } from '@netauto/device-access';
import { startWorkers, type Workers } from '@netauto/worker';

export const ADMIN_EMAIL = 'admin@example.net';
export const ADMIN_PASSWORD = 'the admin password';

/** The built CLI, as a user runs it. */
export const CLI = fileURLToPath(new URL('../dist/index.js', import.meta.url));
const SERVER = path.join(
  path.dirname(fileURLToPath(import.meta.resolve('@netauto/api'))),
  'bin',
  'server.js',
);

export interface Server {
  url: string;
  port: number;
  /** Everything it printed. */
  log(): string;
  stop(signal?: NodeJS.Signals): Promise<void>;
  start(): Promise<void>;
}

function startServer(databaseUrl: string, port: number): Server {
  let child: ChildProcessWithoutNullStreams | undefined;
  let output = '';
  const server: Server = {
    url: `http://127.0.0.1:${port}`,
    port,
    log: () => output,
    async start() {
      const proc = spawn(process.execPath, [SERVER], {
        env: {
          PATH: process.env.PATH,
          DATABASE_URL: databaseUrl,
          PORT: String(port),
          HOST: '127.0.0.1',
          NETAUTO_WORKERS: '0',
          NETAUTO_LOG_LEVEL: 'warn',
          NETAUTO_ADMIN_EMAIL: ADMIN_EMAIL,
          NETAUTO_ADMIN_PASSWORD: ADMIN_PASSWORD,
        },
      });
      child = proc;
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          reject(new Error(`the server did not start: ${output}`));
        }, 30_000);
        proc.stdout.on('data', (d: Buffer) => {
          output += d.toString();
          if (output.includes('NetAuto API on')) {
            clearTimeout(timer);
            resolve();
          }
        });
        proc.stderr.on('data', (d: Buffer) => {
          output += d.toString();
        });
        proc.once('exit', (code) => {
          clearTimeout(timer);
          reject(new Error(`the server exited (${code}): ${output}`));
        });
      });
    },
    async stop(signal = 'SIGTERM') {
      const proc = child;
      if (!proc || proc.exitCode !== null) return;
      const exited = new Promise((resolve) => proc.once('exit', resolve));
      proc.kill(signal);
      const timer = setTimeout(() => proc.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
      child = undefined;
    },
  };
  return server;
}

export interface Stack {
  server: Server;
  url: string;
  lab: Lab;
  /** A folder of its own for this test file: the config file lives in it. */
  home: string;
  stop(): Promise<void>;
}

/** Starts a database, the server, workers and a lab of simulated devices. */
export async function startStack(pg: TestPostgres, devices: SimDeviceSpec[]): Promise<Stack> {
  const test = await createTestDatabase(pg);
  const lab = await startLab({ devices });
  const access = new DeviceAccess(
    new Secrets(test.db, {
      env: {
        NETAUTO_LAB_PASSWORD: 'netops-pass',
        NETAUTO_LAB_ENABLE: 'enable-pass',
        NETAUTO_LAB_ALLOW: '127.0.0.0/8,::1',
      },
    }),
    new HostKeys(test.db, 'tofu'),
    { connectMs: 3000, commandMs: 20_000, maxBytes: 4 * 1024 * 1024, telnet: false },
  );
  const workers: Workers = await startWorkers({
    db: test.db,
    access,
    url: test.url,
    concurrency: 8,
    pollIntervalMs: 200,
  });
  const server = startServer(test.url, await freePort());
  await server.start();
  const home = await mkdtemp(path.join(tmpdir(), 'netauto-cli-'));
  return {
    server,
    url: server.url,
    lab,
    home,
    async stop() {
      await server.stop();
      await workers.stop();
      await lab.stop();
      await test.drop();
      await rm(home, { recursive: true, force: true });
    },
  };
}

export interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  /** Written to stdin, then closed. */
  input?: string;
  env?: Record<string, string | undefined>;
}

/** The environment of a user with nothing set up but their home folder. */
export function userEnv(home: string, extra: Record<string, string | undefined> = {}) {
  return {
    PATH: process.env.PATH,
    HOME: home,
    XDG_CONFIG_HOME: path.join(home, '.config'),
    NO_COLOR: '1',
    ...extra,
  };
}

/** Runs the built CLI as a child process and waits for it to end. */
export function runCli(home: string, args: string[], options: CliOptions = {}): Promise<Result> {
  const child = spawnCli(home, args, options);
  return child.done;
}

export interface RunningCli {
  child: ChildProcessWithoutNullStreams;
  stdout(): string;
  stderr(): string;
  done: Promise<Result>;
}

export function spawnCli(home: string, args: string[], options: CliOptions = {}): RunningCli {
  const child = spawn(process.execPath, [CLI, ...args], { env: userEnv(home, options.env) });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  child.stdin.end(options.input ?? '');
  const done = new Promise<Result>((resolve) => {
    child.once('close', (code) => {
      resolve({ code, stdout, stderr });
    });
  });
  return { child, stdout: () => stdout, stderr: () => stderr, done };
}

/** Waits until `check` holds, polling. */
export async function waitFor(check: () => boolean, what: string, ms = 20_000): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
