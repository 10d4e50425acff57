import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { startEmbeddedPostgres } from '../src/embedded.js';

const BUILT = pathToFileURL(path.resolve(import.meta.dirname, '../dist/embedded.js')).href;

/** The postmaster of a data folder, while it runs. */
function postmaster(dir: string): number | undefined {
  try {
    const pid = Number(readFileSync(path.join(dir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    process.kill(pid, 0);
    return pid;
  } catch {
    return undefined;
  }
}

async function until(check: () => boolean, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A process that starts the server of `dir`, then ends as `end` says, without stopping it. */
function startThenEnd(dir: string, end: 'exit' | 'kill'): Promise<number | null> {
  const script = `const { startEmbeddedPostgres } = await import(${JSON.stringify(BUILT)});
    await startEmbeddedPostgres({ dir: ${JSON.stringify(dir)} });
    ${end === 'exit' ? 'process.exit(0);' : "process.kill(process.pid, 'SIGKILL');"}`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
    stdio: 'ignore',
  });
  return new Promise((resolve) => child.once('exit', resolve));
}

describe('the embedded PostgreSQL of a data folder', () => {
  const base = mkdtempSync(path.join(tmpdir(), 'netauto-embedded-'));
  // PostgreSQL runs as its own user when this runs as root: it must reach its folder.
  chmodSync(base, 0o755);
  const dir = path.join(base, 'pg');
  afterAll(() => {
    const pid = postmaster(dir);
    if (pid !== undefined) process.kill(pid, 'SIGQUIT');
    rmSync(base, { recursive: true, force: true });
  });

  it('goes with the process that started it, when that one exits without stopping it', async () => {
    // Created on the first start, found on the second: both times it goes.
    for (let i = 0; i < 2; i++) {
      expect(await startThenEnd(dir, 'exit')).toBe(0);
      await until(() => postmaster(dir) === undefined);
    }
  }, 120_000);

  it('is taken over after its process was killed, and stopped by the one that took it', async () => {
    await startThenEnd(dir, 'kill');
    const orphan = postmaster(dir);
    expect(orphan).toBeDefined();
    const server = await startEmbeddedPostgres({ dir });
    expect(server.owned).toBe(true);
    expect(postmaster(dir)).toBe(orphan);
    // While it is looked after, a start reuses it and leaves it alone.
    const again = await startEmbeddedPostgres({ dir });
    expect(again.owned).toBe(false);
    await server.stop();
    await until(() => postmaster(dir) === undefined);
  }, 120_000);
});
