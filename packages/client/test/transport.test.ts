import type { AddressInfo } from 'node:net';
import { createApiServer, createServices } from '@netauto/api';
import { loadConfig } from '@netauto/config';
import { createTestDatabase } from '@netauto/db/testing';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { createNetAutoClient, errorInfo, sessionFetch } from '../src/index.js';

describe('the client over real HTTP', async () => {
  const test = await createTestDatabase(inject('netautoPg'));
  const services = createServices(test.db, loadConfig({}));
  const server = createApiServer(services);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await test.drop();
  });
  await services.users.create(null, {
    email: 'ops@example.net',
    password: 'a long enough secret',
    role: 'operator',
  });

  /** Counts HTTP requests, to see batching. */
  let requests = 0;
  const counting: typeof fetch = (input, init) => {
    requests += 1;
    return fetch(input, init);
  };

  it('signs in with a cookie, creates and lists devices, and names the bad field (the README script)', async () => {
    const api = createNetAutoClient({ url, fetch: sessionFetch() });
    await api.auth.login.mutate({ email: 'ops@example.net', password: 'a long enough secret' });
    await api.devices.create.mutate({
      hostname: 'r1',
      ip: '10.0.0.1',
      username: 'netops',
      credRef: 'env:LAB',
      site: 'dc1',
    });
    const { items } = await api.devices.list.query({ site: 'dc1' });
    expect(items.map((d) => d.hostname)).toEqual(['r1']);
    const error = await api.devices.create
      .mutate({ hostname: 'r2', ip: '10.0.0.2', username: 'netops', credRef: 'env:LAB', port: 0 })
      .catch((e: unknown) => errorInfo(e));
    expect(error).toMatchObject({
      code: 'BAD_REQUEST',
      httpStatus: 400,
      fieldErrors: { port: ['must be from 1 to 65535'] },
    });
  });

  it('uses a bearer token, batches calls into one request, and shapes errors', async () => {
    const session = createNetAutoClient({ url, fetch: sessionFetch() });
    await session.auth.login.mutate({ email: 'ops@example.net', password: 'a long enough secret' });
    const { token } = await session.auth.tokens.create.mutate({ name: 'script' });

    const api = createNetAutoClient({ url, token, fetch: counting });
    requests = 0;
    const [me, devices, groups] = await Promise.all([
      api.auth.me.query(),
      api.devices.list.query({}),
      api.groups.list.query({}),
    ]);
    expect(requests).toBe(1);
    expect(me).toMatchObject({ email: 'ops@example.net', via: 'token' });
    expect(devices.items.length).toBeGreaterThan(0);
    expect(groups).toEqual([]);

    const notFound = await api.devices.byId
      .query({ id: 424242 })
      .catch((e: unknown) => errorInfo(e));
    expect(notFound).toMatchObject({
      code: 'NOT_FOUND',
      httpStatus: 404,
      message: 'device 424242 not found',
    });
    const forbidden = await api.admin.users.list.query({}).catch((e: unknown) => errorInfo(e));
    expect(forbidden).toMatchObject({ code: 'FORBIDDEN', httpStatus: 403 });
    const anonymous = await createNetAutoClient({ url })
      .devices.list.query({})
      .catch((e: unknown) => errorInfo(e));
    expect(anonymous).toMatchObject({ code: 'UNAUTHORIZED', httpStatus: 401 });
    const garbage = await createNetAutoClient({ url, token: 'nat_nonsense' })
      .auth.me.query()
      .catch((e: unknown) => errorInfo(e));
    expect(garbage).toMatchObject({ code: 'UNAUTHORIZED' });
  });

  it("follows a run's status over SSE until it ends", async () => {
    const session = createNetAutoClient({ url, fetch: sessionFetch() });
    await session.auth.login.mutate({ email: 'ops@example.net', password: 'a long enough secret' });
    const { token } = await session.auth.tokens.create.mutate({ name: 'sse' });
    const api = createNetAutoClient({ url, token });
    const device = (await api.devices.list.query({})).items[0];
    const run = await api.runs.create.mutate({ deviceId: device?.id ?? 0, command: 'show clock' });

    const statuses: string[] = [];
    await new Promise<void>((resolve, reject) => {
      const sub = api.runs.onStatus.subscribe(
        { id: run.id },
        {
          onData: (event) => {
            statuses.push(event.data.status);
            if (event.data.status === 'pending')
              void api.runs.cancel.mutate({ id: run.id }).catch(reject);
            if (event.data.status === 'error') {
              sub.unsubscribe();
              resolve();
            }
          },
          onError: reject,
        },
      );
    });
    expect(statuses).toEqual(['pending', 'error']);
  });
});
