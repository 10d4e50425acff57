// NetAuto's own processes as a deployment runs them: the built web server
// (apps/web/dist/server/start.js) and netauto-worker (packages/worker/dist/bin/worker.js).
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { onAbandon } from './reaper.js';

const ROOT = path.resolve(fileURLToPath(new URL('../../..', import.meta.url)));
export const SERVER = path.join(ROOT, 'apps/web/dist/server/start.js');
export const WORKER = path.join(ROOT, 'packages/worker/dist/bin/worker.js');

export const ADMIN = { email: 'faults@example.net', password: 'the faults admin password' };

/** What every NetAuto process of the scenarios gets: the devices' credential, fast lost-worker detection. */
export const COMMON_ENV = {
  PATH: process.env.PATH ?? '/usr/bin:/bin',
  NETAUTO_DEVSIM_USERNAME: 'netops',
  NETAUTO_DEVSIM_PASSWORD: 'netops-pass',
  NETAUTO_HEARTBEAT_MS: '500',
  NETAUTO_WORKER_LOST_MS: '5000',
  NETAUTO_LOG_LEVEL: 'warn',
};

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface Proc {
  name: string;
  pid: number;
  /** Set when the test itself killed it. */
  killedByTest: boolean;
  /** How it ended, once it has. */
  exit: Exit | undefined;
  exited: Promise<Exit>;
  /** The last lines it printed (stdout and stderr). */
  tail(lines?: number): string;
  /** The test's own kill: SIGKILL unless told, and waits until it is gone. */
  kill(signal?: NodeJS.Signals): Promise<Exit>;
  /** A clean stop (SIGTERM, then SIGKILL after `ms`). Not counted as the test's fault. */
  stop(ms?: number): Promise<Exit>;
}

/** Starts `script` with Node and waits until it prints `ready` (or fails to). */
export async function startProcess(
  name: string,
  script: string,
  env: Record<string, string>,
  ready: string | RegExp,
  timeoutMs = 60_000,
): Promise<Proc> {
  const child: ChildProcess = spawn(process.execPath, [script], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const onData = (d: Buffer) => {
    output += d.toString();
    if (output.length > 200_000) output = output.slice(-100_000);
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const pid = child.pid;
  if (pid === undefined) throw new Error(`${name} did not start`);
  const forget = onAbandon(() => child.kill('SIGKILL'));
  const proc: Proc = {
    name,
    pid,
    killedByTest: false,
    exit: undefined,
    exited: new Promise<Exit>((resolve) => {
      child.once('exit', (code, signal) => {
        proc.exit = { code, signal };
        forget();
        resolve(proc.exit);
      });
    }),
    tail: (lines = 15) => output.trimEnd().split('\n').slice(-lines).join('\n'),
    async kill(signal = 'SIGKILL') {
      if (!proc.exit) {
        proc.killedByTest = true;
        child.kill(signal);
      }
      return proc.exited;
    },
    async stop(ms = 15_000) {
      if (proc.exit) return proc.exit;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), ms);
      const exit = await proc.exited;
      clearTimeout(timer);
      return exit;
    },
  };
  const matches = () => (typeof ready === 'string' ? output.includes(ready) : ready.test(output));
  const until = Date.now() + timeoutMs;
  while (!matches()) {
    if (proc.exit) {
      throw new Error(
        `${name} exited (${describeExit(proc.exit)}) before it was ready:\n${output}`,
      );
    }
    if (Date.now() > until) {
      await proc.stop(1000);
      throw new Error(`${name} was not ready after ${timeoutMs} ms:\n${output}`);
    }
    await sleep(50);
  }
  return proc;
}

export function describeExit(exit: Exit): string {
  return exit.signal ? `signal ${exit.signal}` : `code ${String(exit.code)}`;
}

/** The production server on `databaseUrl`: workers in-process unless `NETAUTO_WORKERS=0`. */
export function startServer(
  name: string,
  databaseUrl: string,
  port: number,
  env: Record<string, string> = {},
): Promise<Proc> {
  return startProcess(
    name,
    SERVER,
    {
      ...COMMON_ENV,
      DATABASE_URL: databaseUrl,
      PORT: String(port),
      HOST: '127.0.0.1',
      NETAUTO_ADMIN_EMAIL: ADMIN.email,
      NETAUTO_ADMIN_PASSWORD: ADMIN.password,
      ...env,
    },
    'NetAuto on http://',
  );
}

/** A netauto-worker process on `databaseUrl`. */
export function startWorker(
  name: string,
  databaseUrl: string,
  env: Record<string, string> = {},
): Promise<Proc> {
  return startProcess(
    name,
    WORKER,
    { ...COMMON_ENV, DATABASE_URL: databaseUrl, ...env },
    /netauto-worker \d+: taking runs/,
  );
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
