import type { AddressInfo } from 'node:net';
import { loadConfig } from '@netauto/config';
import { connectDatabase, repositories } from '@netauto/db';
import { factories, startRestartablePostgres } from '@netauto/db/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { createApiServer } from '../src/http.js';
import { createServices } from '../src/services.js';
import { PASSWORD } from './api.js';

// The API while its database is down: a real PostgreSQL of this file's own, stopped and
// started again under one API server that stays up throughout.

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until `check` holds (an error counts as not yet). */
async function until(check: () => Promise<boolean>, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check().catch(() => false))) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await sleep(100);
  }
}

interface TrpcError {
  error: { message: string; data: { code: string; httpStatus: number } };
}

describe('the API while the database is down', async () => {
  const server = await startRestartablePostgres();
  const db = connectDatabase(server.url, { poolMax: 5 });
  const services = createServices(db, loadConfig({}), {
    logger: (await import('@netauto/observability')).createLogger({ level: 'silent' }),
  });
  const http = createApiServer(services, { metricsToken: undefined });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  afterAll(async () => {
    await new Promise((resolve) => {
      http.close(resolve);
      http.closeAllConnections();
    });
    await services.hub.stop();
    await db.close();
    await server.stop();
  });

  const email = 'outage@example.net';
  await services.users.create(null, { email, password: PASSWORD, role: 'admin' });
  const login = await fetch(`${base}/api/trpc/auth.login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: PASSWORD }),
  });
  const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  const call = (procedure: string) =>
    fetch(`${base}/api/trpc/${procedure}`, { headers: { cookie } });
  const make = factories(db);
  const repos = repositories(db);

  it('answers 503 SERVICE_UNAVAILABLE with a clear message, /readyz 503, /healthz 200, and recovers', async () => {
    const device = await make.device();
    expect((await call('devices.list')).status).toBe(200);

    await server.halt();
    try {
      for (const procedure of [
        'devices.list',
        'auth.me',
        `runs.byId?input=${encodeURIComponent('{"id":1}')}`,
      ]) {
        const answer = await call(procedure);
        expect(answer.status, procedure).toBe(503);
        const body = (await answer.json()) as TrpcError;
        expect(body.error.data.code).toBe('SERVICE_UNAVAILABLE');
        expect(body.error.message).toBe('the database is unreachable; try again shortly');
      }
      // Signing in, with no identity yet, is told the same.
      const signIn = await fetch(`${base}/api/trpc/auth.login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email, password: PASSWORD }),
      });
      expect(signIn.status).toBe(503);
      expect(((await signIn.json()) as TrpcError).error.message).toBe(
        'the database is unreachable; try again shortly',
      );
      // The output stream too.
      const stream = await fetch(`${base}/api/runs/1/output`, { headers: { cookie } });
      expect(stream.status).toBe(503);
      expect(await stream.json()).toEqual({
        error: {
          code: 'SERVICE_UNAVAILABLE',
          message: 'the database is unreachable; try again shortly',
        },
      });
      const ready = await fetch(`${base}/readyz`);
      expect(ready.status).toBe(503);
      expect(await ready.json()).toEqual({ ok: false, reason: 'database unavailable' });
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
    } finally {
      await server.resume();
    }

    // The same process answers again once the database is back.
    await until(async () => (await call('devices.list')).status === 200);
    const list = (await (await call('devices.list')).json()) as {
      result: { data: { items: { id: number }[] } };
    };
    expect(list.result.data.items.map((d) => d.id)).toContain(device.id);
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
  }, 120_000);

  it("the process's LISTEN connection comes back by itself, and wakes who waited across the outage", async () => {
    const run = await make.run();
    await repos.runs.markRunning(run.id, 'w-test');
    const listeners = async () =>
      (
        await db.rows<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_stat_activity
           WHERE datname = current_database() AND query LIKE 'LISTEN %'`,
        )
      )[0]?.n;
    // The first follower connects the process's listener.
    await services.hub.next(run.id, undefined, 1).promise;
    await until(async () => (await listeners()) === 1);
    const before = services.hub.next(run.id, undefined, 30_000);
    await repos.chunks.store(run.id, 'before\n');
    expect(await before.promise).toBe(0);

    // Waits across the outage, with a timeout longer than the test waits for it.
    const across = services.hub.next(run.id, undefined, 120_000);
    await server.outage(2000);
    // Nobody asks the hub for anything: it listens again on its own.
    await until(async () => (await listeners()) === 1);
    // Who waited is woken to read what was announced meanwhile (not at its timeout).
    expect(
      await Promise.race([across.promise.then(() => 'woken'), sleep(30_000).then(() => 'late')]),
    ).toBe('woken');
    // And announcements wake followers again.
    const after = services.hub.next(run.id, undefined, 30_000);
    const stored = await repos.chunks.store(run.id, 'after\n');
    expect(await after.promise).toBe(stored);
  }, 120_000);
});
