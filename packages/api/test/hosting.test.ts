import { execFile, spawn } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { loadConfig } from '@netauto/config';
import { freePort } from '@netauto/db';
import { createTestDatabase } from '@netauto/db/testing';
import { describe, expect, inject, it } from 'vitest';
import { createApiServer, createFetchHandler } from '../src/http.js';
import { createServices } from '../src/services.js';
import { PASSWORD, useApi } from './api.js';

const run = promisify(execFile);

describe('hosting the API', async () => {
  const api = await useApi();
  await api.services.users.create(null, {
    email: 'host@example.net',
    password: PASSWORD,
    role: 'viewer',
  });

  it('serves tRPC through a fetch handler, and marks cookies Secure behind an https origin', async () => {
    const secure = createServices(api.db, loadConfig({ ORIGIN: 'https://netauto.example.net' }));
    const handle = createFetchHandler(secure, { clientIp: () => '192.0.2.1' });
    const health = await handle(new Request('http://localhost/api/trpc/health'));
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ result: { data: { ok: true } } });

    const login = await handle(
      new Request('http://localhost/api/trpc/auth.login', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'host@example.net', password: PASSWORD }),
      }),
    );
    expect(login.status).toBe(200);
    expect(login.headers.get('set-cookie')).toMatch(/HttpOnly; SameSite=Lax; Max-Age=\d+; Secure$/);

    const anonymous = await handle(new Request('http://localhost/api/trpc/devices.list'));
    expect(anonymous.status).toBe(401);
  });

  it('answers /healthz and 404 outside the API on the plain Node server', async () => {
    const server = createApiServer(api.services);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      expect(await (await fetch(`${base}/healthz`)).json()).toEqual({ ok: true });
      expect((await fetch(`${base}/elsewhere`)).status).toBe(404);
      const bad = await fetch(`${base}/api/trpc/auth.login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"email": 5}',
      });
      expect(bad.status).toBe(400);
      const body = (await bad.json()) as {
        error: { data: { code: string; fieldErrors: Record<string, string[]> } };
      };
      expect(body.error.data.code).toBe('BAD_REQUEST');
      expect(Object.keys(body.error.data.fieldErrors).sort()).toEqual(['email', 'password']);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('runs as a server of its own: migrates, makes the first admin, serves, stops on SIGTERM', async () => {
    // A database of its own: one with no admin yet.
    const fresh = await createTestDatabase(inject('netautoPg'));
    const port = await freePort();
    const child = spawn(
      process.execPath,
      [path.resolve(import.meta.dirname, '../dist/bin/server.js')],
      {
        env: {
          ...process.env,
          DATABASE_URL: fresh.url,
          PORT: String(port),
          NETAUTO_ADMIN_EMAIL: 'served@example.net',
          NETAUTO_ADMIN_PASSWORD: 'served-password',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    let out = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`no start: ${out}`));
      }, 20_000);
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('NetAuto API on')) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    expect(out).toContain('first admin: served@example.net');
    expect(out).not.toContain('served-password');
    expect(await (await fetch(`http://127.0.0.1:${port}/healthz`)).json()).toEqual({ ok: true });
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    await fresh.drop();
  });

  it('stops on SIGTERM while a live subscription is open: its client resumes elsewhere', async () => {
    const fresh = await createTestDatabase(inject('netautoPg'));
    const port = await freePort();
    const child = spawn(
      process.execPath,
      [path.resolve(import.meta.dirname, '../dist/bin/server.js')],
      {
        env: {
          ...process.env,
          DATABASE_URL: fresh.url,
          PORT: String(port),
          NETAUTO_WORKERS: '0',
          NETAUTO_ADMIN_EMAIL: 'served@example.net',
          NETAUTO_ADMIN_PASSWORD: 'served-password',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    await new Promise<void>((resolve) => {
      child.stdout.on('data', (d: Buffer) => {
        if (d.toString().includes('NetAuto API on')) resolve();
      });
    });
    const base = `http://127.0.0.1:${port}/api/trpc`;
    const login = await fetch(`${base}/auth.login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'served@example.net', password: 'served-password' }),
    });
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    const post = (procedure: string, input: unknown) =>
      fetch(`${base}/${procedure}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', cookie },
        body: JSON.stringify(input),
      }).then(async (r) => ((await r.json()) as { result: { data: { id: number } } }).result.data);
    const device = await post('devices.create', {
      hostname: 'waits',
      ip: '192.0.2.10',
      username: 'netops',
      credRef: 'env:LAB',
      platform: 'linux',
    });
    const run = await post('runs.create', { deviceId: device.id, command: 'uptime' });
    // A follower of a run that waits (no workers here): its stream stays open.
    const stream = await fetch(
      `${base}/runs.onOutput?input=${encodeURIComponent(JSON.stringify({ runId: run.id }))}`,
      { headers: { cookie, accept: 'text/event-stream' } },
    );
    expect(stream.headers.get('content-type')).toMatch(/text\/event-stream/);
    const reader = stream.body?.getReader();
    await reader?.read();
    child.kill('SIGTERM');
    const code = await Promise.race([
      exited,
      new Promise((resolve) => {
        setTimeout(() => {
          resolve('still running');
        }, 10_000);
      }),
    ]);
    expect(code).toBe(0);
    // The stream ended with the server; a client reconnects with its last event id.
    const ended = await (async () => {
      for (;;) if ((await reader?.read())?.done !== false) return 'ended';
    })().catch(() => 'cut');
    expect(['ended', 'cut']).toContain(ended);
    await fresh.drop();
  });

  it('creates a first admin at start only when there is none', async () => {
    const first = await api.services.users.ensureFirstAdmin('boot@example.net', undefined);
    expect(first).toMatchObject({
      generated: true,
      user: { email: 'boot@example.net', role: 'admin' },
    });
    expect(first?.password.length).toBeGreaterThanOrEqual(16);
    await api
      .anonymous()
      .auth.login({ email: 'boot@example.net', password: first?.password ?? '' });
    expect(
      await api.services.users.ensureFirstAdmin('other@example.net', 'given-password-1'),
    ).toBeUndefined();
  });

  it('creates the first admin from the command line, printing a generated password once', async () => {
    const bin = path.resolve(import.meta.dirname, '../dist/bin/admin-create.js');
    const env = { ...process.env, DATABASE_URL: api.url };
    const { stdout } = await run('node', [bin, '--email', 'first@example.net', '--role', 'admin'], {
      env,
    });
    const password = /password \(shown once\): (\S+)/.exec(stdout)?.[1] ?? '';
    expect(stdout).toContain('created admin first@example.net');
    expect(password.length).toBeGreaterThanOrEqual(16);
    await api.anonymous().auth.login({ email: 'first@example.net', password });

    const again = await run('node', [bin, '--email', 'FIRST@example.net'], { env }).catch(
      (e: unknown) => e as { code: number; stderr: string },
    );
    expect(again).toMatchObject({
      code: 1,
      stderr: 'a user with the e-mail FIRST@example.net already exists\n',
    });
  });
});
