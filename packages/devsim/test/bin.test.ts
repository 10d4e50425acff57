import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DeviceCreate } from '@netauto/schema';
import { expect, test } from 'vitest';
import { connect, exec } from './helpers.js';

const BIN = fileURLToPath(new URL('../dist/bin.js', import.meta.url));

test('the built bin serves a fleet, prints a valid inventory, and stops cleanly on SIGTERM', async () => {
  expect(existsSync(BIN), 'build first: pnpm --filter @netauto/devsim build').toBe(true);
  const child = spawn(
    process.execPath,
    [BIN, '--count', '8', '--platforms', 'linux,cisco_ios', '--faults', '25%'],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      resolve(code);
    }),
  );
  try {
    for (let i = 0; i < 200 && !stderr.includes('serving until'); i++) {
      await new Promise((r) => setTimeout(r, 25));
    }
    expect(stderr).toContain('netauto-devsim: 8 devices on 127.0.0.1');
    const rows = (JSON.parse(stdout) as unknown[]).map((r) => DeviceCreate.parse(r));
    expect(rows.map((r) => r.platform)).toEqual(Array(4).fill(['linux', 'cisco_ios']).flat());
    expect(rows.filter((r) => r.tags.fault)).toHaveLength(2);
    const healthy = rows.find((r) => r.platform === 'linux' && !r.tags.fault);
    expect(healthy).toBeDefined();
    const client = await connect({
      host: '127.0.0.1',
      port: healthy?.port ?? 0,
      spec: { username: 'netops', password: 'netops-pass' },
    } as Parameters<typeof connect>[0]);
    expect((await exec(client, 'hostname')).stdout).toBe(`${healthy?.hostname}\n`);
    client.end();
  } finally {
    child.kill('SIGTERM');
  }
  expect(await exited).toBe(0);
  expect(stderr).toContain('SIGTERM: stopped');
});
