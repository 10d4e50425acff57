import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { MIGRATIONS } from '../src/migrations/index.js';
import { createEmptyDatabase } from '../src/testing/index.js';

const run = promisify(execFile);
const CLI = path.resolve(import.meta.dirname, '../dist/cli.js');

describe('the database commands (db:migrate, db:rollback, db:reset)', async () => {
  const empty = await createEmptyDatabase(inject('netautoPg'));
  afterAll(() => empty.drop());
  const env = { ...process.env, DATABASE_URL: empty.url };
  const cli = async (...args: string[]) =>
    (await run('node', [CLI, ...args], { env })).stdout.trim();
  const names = MIGRATIONS.map((m) => m.name);

  it('migrates an empty database, then does nothing the second time', async () => {
    expect(await cli('migrate')).toBe(`applied ${names.join(', ')} on DATABASE_URL`);
    expect(await cli('migrate')).toBe('nothing to apply on DATABASE_URL');
  });

  it('rolls back the last migration, resets, and reports status', async () => {
    expect(await cli('rollback')).toBe(`undid ${names.at(-1) ?? ''} on DATABASE_URL`);
    expect(await cli('status')).toContain(`pending: ${names.at(-1) ?? ''}`);
    expect(await cli('reset')).toBe(
      `dropped everything and applied ${names.join(', ')} on DATABASE_URL`,
    );
    expect(await cli('status')).toBe(`applied: ${names.join(', ')}\npending: (none)`);
  });

  it('refuses an unknown command with a usage message and exit code 2', async () => {
    const error = await run('node', [CLI, 'explode'], { env }).catch(
      (e: unknown) => e as { code: number; stderr: string },
    );
    expect(error).toMatchObject({ code: 2 });
    expect(error.stderr).toContain('unknown command "explode"');
  });
});
