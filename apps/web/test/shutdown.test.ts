import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from '@netauto/db';
import { afterAll, describe, expect, it } from 'vitest';

const SERVER = path.resolve(import.meta.dirname, '../dist/server/start.js');
const WORKER = path.resolve(import.meta.dirname, '../../../packages/worker/dist/bin/worker.js');

interface Started {
  child: ChildProcess;
  exited: Promise<number | null>;
  output(): string;
}

/**
 * Starts a program as `pnpm start` does from a terminal, in a folder of its own with no
 * DATABASE_URL (so it runs the embedded PostgreSQL there), in a process group of its own
 * so that a Ctrl-C can be sent to the whole group as a terminal does.
 */
async function launch(
  script: string,
  cwd: string,
  ready: string,
  env: Record<string, string> = {},
): Promise<Started> {
  const base = { ...process.env };
  delete base.DATABASE_URL;
  const child = spawn(process.execPath, [script], {
    cwd,
    env: {
      ...base,
      NETAUTO_ADMIN_EMAIL: 'admin@example.net',
      NETAUTO_ADMIN_PASSWORD: 'a long admin password',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`${script} did not start:\n${out}`));
    }, 90_000);
    child.stdout.on('data', () => {
      if (out.includes(ready)) {
        clearTimeout(timer);
        resolve();
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${script} exited (${String(code)}):\n${out}`));
    });
  });
  return { child, exited, output: () => out };
}

const startServer = async (cwd: string) =>
  launch(SERVER, cwd, 'NetAuto on http://', {
    PORT: String(await freePort()),
    HOST: '127.0.0.1',
  });

/** `pnpm start --demo` with a small simulated fleet. */
const startDemoServer = async (cwd: string, devices: number) =>
  launch(SERVER, cwd, 'NetAuto on http://', {
    PORT: String(await freePort()),
    HOST: '127.0.0.1',
    NETAUTO_DEMO: '1',
    NETAUTO_DEMO_DEVICES: String(devices),
  });

const startWorker = (cwd: string) => launch(WORKER, cwd, 'taking runs');

/** Ctrl-C in the terminal: SIGINT to every process of the group. */
function ctrlC(started: Started): Promise<number | null> {
  process.kill(-(started.child.pid ?? 0), 'SIGINT');
  return started.exited;
}

/** The PostgreSQL processes whose command line names this data folder. */
function postgresOf(dataDir: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (path.basename(argv[0] ?? '') === 'postgres' && argv.includes(dataDir)) {
        pids.push(Number(entry));
      }
    } catch {
      // Gone meanwhile.
    }
  }
  return pids;
}

async function until(check: () => boolean, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** What a stop must not print: driver stack traces and PostgreSQL's shutdown errors. */
function expectQuiet(output: string) {
  expect(output).not.toMatch(/terminating connection/);
  expect(output).not.toMatch(/^\s+at /m);
  expect(output).not.toMatch(/Error:/);
}

describe('the embedded PostgreSQL of `pnpm start`', () => {
  const folders: string[] = [];
  const children: ChildProcess[] = [];
  afterAll(() => {
    for (const child of children) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
    for (const folder of folders) {
      for (const pid of postgresOf(path.join(folder, '.netauto', 'pg'))) {
        process.kill(pid, 'SIGQUIT');
      }
      rmSync(folder, { recursive: true, force: true });
    }
  });
  const folder = () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'netauto-start-'));
    // PostgreSQL runs as its own user when this runs as root: it must reach its folder.
    chmodSync(dir, 0o755);
    folders.push(dir);
    return { cwd: dir, data: path.join(dir, '.netauto', 'pg') };
  };

  it('is taken over after a killed start and stopped by the next clean stop; Ctrl-C is quiet', async () => {
    const { cwd, data } = folder();
    const first = await startServer(cwd);
    children.push(first.child);
    const [postmaster] = postgresOf(data);
    expect(postmaster).toBeDefined();
    first.child.kill('SIGKILL');
    await first.exited;
    // Killed at once: its PostgreSQL lives on, alone.
    expect(postgresOf(data)).toContain(postmaster);

    const second = await startServer(cwd);
    children.push(second.child);
    expect(await ctrlC(second)).toBe(0);
    expectQuiet(second.output());
    expect(second.output()).toMatch(/stopped/);
    await until(() => postgresOf(data).length === 0);
    expect(existsSync(path.join(data, 'postmaster.pid'))).toBe(false);
  }, 240_000);

  it('a worker sharing it stops quietly and leaves it running; the server stops it', async () => {
    const { cwd, data } = folder();
    const server = await startServer(cwd);
    children.push(server.child);
    const worker = await startWorker(cwd);
    children.push(worker.child);
    expect(await ctrlC(worker)).toBe(0);
    expectQuiet(worker.output());
    expect(postgresOf(data)).not.toEqual([]);
    expect(await ctrlC(server)).toBe(0);
    expectQuiet(server.output());
    await until(() => postgresOf(data).length === 0);
  }, 240_000);

  it('the demo fills the inventory, and a restart updates the same rows', async () => {
    const { cwd } = folder();
    const first = await startDemoServer(cwd, 5);
    children.push(first.child);
    expect(first.output()).toMatch(/demo: 5 devices added, 0 updated/);
    expect(first.output()).toMatch(/demo: 5 simulated devices in [1-5] sites/);
    expect(await ctrlC(first)).toBe(0);
    expectQuiet(first.output());

    const second = await startDemoServer(cwd, 5);
    children.push(second.child);
    expect(second.output()).toMatch(/demo: 0 devices added, 5 updated/);
    expect(await ctrlC(second)).toBe(0);
    expectQuiet(second.output());
  }, 240_000);

  it('a worker with PostgreSQL of its own stops it on Ctrl-C, quietly', async () => {
    const { cwd, data } = folder();
    const worker = await startWorker(cwd);
    children.push(worker.child);
    expect(postgresOf(data)).not.toEqual([]);
    expect(await ctrlC(worker)).toBe(0);
    expectQuiet(worker.output());
    await until(() => postgresOf(data).length === 0);
  }, 240_000);
});
