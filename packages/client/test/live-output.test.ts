import type { AddressInfo } from 'node:net';
import { createApiServer, createServices } from '@netauto/api';
import { loadConfig } from '@netauto/config';
import { createTestDatabase } from '@netauto/db/testing';
import { commandOutput, startLab, type SimDeviceSpec } from '@netauto/devsim';
import { DeviceAccess, HostKeys, Secrets } from '@netauto/device-access';
import { startWorkers } from '@netauto/worker';
import { afterAll, describe, expect, inject, it } from 'vitest';
import type { RunOutputEvent as OutputEvent } from '@netauto/schema';
import {
  createNetAutoClient,
  followOutput,
  OutputStreamError,
  sessionFetch,
  type NetAutoClient,
} from '../src/index.js';

const drip: SimDeviceSpec = {
  hostname: 'live-drip',
  platform: 'cisco_ios',
  runningConfigLines: 150,
  faults: { dripBytesPerSecond: 8000 },
};

const PLATFORM_COMMANDS = {
  cisco_ios: 'show version',
  cisco_nxos: 'show version',
  cisco_iosxr: 'show version',
  arista_eos: 'show version',
  juniper_junos: 'show version',
  linux: 'uname -a',
} as const;
const platformSpecs: SimDeviceSpec[] = Object.keys(PLATFORM_COMMANDS).map((platform) => ({
  hostname: `api-${platform.replace('_', '-')}`,
  platform: platform as SimDeviceSpec['platform'],
}));
const faulty: SimDeviceSpec = {
  hostname: 'api-locked',
  platform: 'cisco_ios',
  faults: { rejectPassword: true },
};

describe('live run output through the API, from queue to subscriber', async () => {
  const test = await createTestDatabase(inject('netautoPg'));
  const lab = await startLab({ devices: [drip, ...platformSpecs, faulty] });
  const access = new DeviceAccess(
    new Secrets(test.db, {
      env: {
        NETAUTO_LAB_PASSWORD: 'netops-pass',
        NETAUTO_LAB_ENABLE: 'enable-pass',
        NETAUTO_LAB_ALLOW: '127.0.0.0/8,::1',
      },
    }),
    new HostKeys(test.db, 'tofu'),
    { connectMs: 3000, commandMs: 20_000, maxBytes: 1024 * 1024, telnet: false },
  );
  const workers = await startWorkers({
    db: test.db,
    access,
    url: test.url,
    concurrency: 4,
    pollIntervalMs: 200,
  });
  const services = createServices(test.db, loadConfig({}));
  const server = createApiServer(services);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  afterAll(async () => {
    await workers.stop();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await services.hub.stop();
    await lab.stop();
    await test.drop();
  });

  await services.users.create(null, {
    email: 'live@example.net',
    password: 'a long enough secret',
    role: 'operator',
  });
  const session = createNetAutoClient({
    url,
    fetch: sessionFetch(),
  });
  await session.auth.login.mutate({ email: 'live@example.net', password: 'a long enough secret' });
  const { token } = await session.auth.tokens.create.mutate({ name: 'live' });
  const api = createNetAutoClient({ url, token });
  const sim = lab.device('live-drip');
  const device = await api.devices.create.mutate({
    hostname: 'live-drip',
    ip: sim.host,
    port: sim.port,
    platform: 'cisco_ios',
    username: 'netops',
    credRef: 'env:LAB',
  });
  const expected = await commandOutput(drip, 'show running-config');

  /** Follows a run until its end (or until `stopAfter` chunks), collecting events. */
  function follow(client: NetAutoClient, runId: number, afterSeq?: number, stopAfter = Infinity) {
    const events: OutputEvent[] = [];
    const arrivals: number[] = [];
    return new Promise<{ events: OutputEvent[]; arrivals: number[] }>((resolve, reject) => {
      const sub = client.runs.onOutput.subscribe(
        { runId, ...(afterSeq !== undefined && { afterSeq }) },
        {
          onData: (tracked) => {
            events.push(tracked.data);
            arrivals.push(Date.now());
            const chunks = events.filter((e) => e.type === 'chunk').length;
            if (tracked.data.type === 'end' || chunks >= stopAfter) {
              sub.unsubscribe();
              resolve({ events, arrivals });
            }
          },
          onError: reject,
        },
      );
    });
  }

  it('runs a command on every platform through the API, from create to ok', async () => {
    const runs = [];
    for (const spec of platformSpecs) {
      const sim = lab.device(spec.hostname);
      const d = await api.devices.create.mutate({
        hostname: spec.hostname,
        ip: sim.host,
        port: sim.port,
        platform: spec.platform,
        username: 'netops',
        credRef: 'env:LAB',
      });
      const command = PLATFORM_COMMANDS[spec.platform];
      runs.push({ spec, command, run: await api.runs.create.mutate({ deviceId: d.id, command }) });
    }
    for (const { spec, command, run } of runs) {
      const { events } = await follow(api, run.id);
      const end = events.at(-1);
      expect(end?.type === 'end' && end.run.status, spec.platform).toBe('ok');
      expect((await api.runs.output.query({ id: run.id })).text).toBe(
        await commandOutput(spec, command),
      );
    }
  });

  it('a faulty device ends its run with the reason', async () => {
    const sim = lab.device('api-locked');
    const d = await api.devices.create.mutate({
      hostname: 'api-locked',
      ip: sim.host,
      port: sim.port,
      platform: 'cisco_ios',
      username: 'netops',
      credRef: 'env:LAB',
    });
    const run = await api.runs.create.mutate({ deviceId: d.id, command: 'show version' });
    const { events } = await follow(api, run.id);
    const end = events.at(-1);
    expect(end?.type === 'end' && end.run.errorReason).toBe('auth_failed');
  });

  it('streams a run live while the device prints, then its end', async () => {
    const run = await api.runs.create.mutate({
      deviceId: device.id,
      command: 'show running-config',
    });
    const { events, arrivals } = await follow(api, run.id);
    const chunks = events.filter((e) => e.type === 'chunk');
    expect(chunks.map((c) => c.seq)).toEqual(chunks.map((_, i) => i));
    expect(chunks.map((c) => c.data).join('')).toBe(expected);
    const end = events.at(-1);
    expect(end?.type === 'end' && end.run.status).toBe('ok');
    // Output arrived over time, not all at the end.
    expect(chunks.length).toBeGreaterThan(3);
    expect((arrivals.at(-1) ?? 0) - (arrivals[0] ?? 0)).toBeGreaterThan(200);
  });

  it('a follower that drops and resumes from its last seq gets every chunk exactly once', async () => {
    const run = await api.runs.create.mutate({
      deviceId: device.id,
      command: 'show running-config',
    });
    const first = await follow(api, run.id, undefined, 2);
    const got = first.events.filter((e) => e.type === 'chunk');
    const lastEvent = got.at(-1);
    const lastSeq = lastEvent?.type === 'chunk' ? lastEvent.seq : -1;
    const rest = await follow(api, run.id, lastSeq);
    const all = [...got, ...rest.events.filter((e) => e.type === 'chunk')];
    expect(all.map((c) => c.seq)).toEqual(all.map((_, i) => i));
    expect(all.map((c) => c.data).join('')).toBe(expected);
    // After the end, a follower gets the stored output and the end again, nothing more.
    const again = await follow(api, run.id, lastSeq);
    expect(again.events.filter((e) => e.type === 'chunk').length).toBe(rest.events.length - 1);
  });

  it('followers of one live run, from different seqs at once, each get their chunks once', async () => {
    const run = await api.runs.create.mutate({
      deviceId: device.id,
      command: 'show running-config',
    });
    const [a, b, c] = await Promise.all([
      follow(api, run.id),
      follow(api, run.id),
      follow(api, run.id, 1),
    ]);
    for (const [followed, from] of [
      [a, 0],
      [b, 0],
      [c, 2],
    ] as const) {
      const chunks = followed.events.filter((e) => e.type === 'chunk');
      expect(chunks.map((e) => e.seq)).toEqual(chunks.map((_, i) => i + from));
      expect(followed.events.at(-1)?.type).toBe('end');
    }
    const whole = a.events.flatMap((e) => (e.type === 'chunk' ? [e.data] : [])).join('');
    expect(whole).toBe(expected);
  });

  it('cancels a running run: its channel closes and it ends as canceled with its output', async () => {
    const run = await api.runs.create.mutate({
      deviceId: device.id,
      command: 'show running-config',
    });
    const following = follow(api, run.id);
    const firstChunk = await follow(api, run.id, undefined, 1);
    expect(firstChunk.events).toHaveLength(1);
    await api.runs.cancel.mutate({ id: run.id });
    const { events } = await following;
    const end = events.at(-1);
    expect(end?.type === 'end' && end.run.errorReason).toBe('canceled');
    const stored = (await api.runs.output.query({ id: run.id })).text;
    expect(expected.startsWith(stored)).toBe(true);
    expect(stored.length).toBeLessThan(expected.length);
  });

  describe('the output stream (/api/runs/:id/output)', () => {
    it('sends a live run as plain text until it ends, for curl', async () => {
      const run = await api.runs.create.mutate({
        deviceId: device.id,
        command: 'show running-config',
      });
      const response = await fetch(`${url}/api/runs/${run.id}/output`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('text/plain; charset=utf-8');
      expect(await response.text()).toBe(expected);
      expect((await api.runs.byId.query({ id: run.id })).status).toBe('ok');
    });

    it('follows in frames and resumes after a cut connection, each chunk once', async () => {
      const run = await api.runs.create.mutate({
        deviceId: device.id,
        command: 'show running-config',
      });
      // The first connection is cut after its third read, as a network drop would.
      let connections = 0;
      const cutting: typeof fetch = async (input, init) => {
        connections += 1;
        const response = await fetch(input, init);
        if (connections > 1 || !response.body) return response;
        let reads = 0;
        const cut = response.body.pipeThrough(
          new TransformStream<Uint8Array, Uint8Array>({
            transform(bytes, controller) {
              reads += 1;
              if (reads > 3) controller.error(new TypeError('terminated'));
              else controller.enqueue(bytes);
            },
          }),
        );
        return new Response(cut, { status: response.status, headers: response.headers });
      };
      const events: OutputEvent[] = [];
      for await (const event of followOutput({ url, token, fetch: cutting }, run.id, {
        retryDelayMs: 10,
      })) {
        events.push(event);
      }
      expect(connections).toBe(2);
      const chunks = events.flatMap((e) => (e.type === 'chunk' ? [e] : []));
      expect(chunks.map((c) => c.seq)).toEqual(chunks.map((_, i) => i));
      expect(chunks.map((c) => c.data).join('')).toBe(expected);
      const end = events.at(-1);
      expect(end?.type === 'end' && end.run.status).toBe('ok');
      // From a seq on, after the end: the rest and the end again.
      const rest: OutputEvent[] = [];
      for await (const event of followOutput({ url, token }, run.id, { afterSeq: 2 })) {
        rest.push(event);
      }
      expect(rest.flatMap((e) => (e.type === 'chunk' ? [e.seq] : []))).toEqual(
        chunks.slice(3).map((c) => c.seq),
      );
      expect(rest.at(-1)?.type).toBe('end');
    });

    it('refuses with a clear error: no identity, unknown run, bad parameters, wrong method', async () => {
      const run = await api.runs.create.mutate({ deviceId: device.id, command: 'show version' });
      const ask = async (path: string, init: RequestInit = {}, withToken = true) => {
        const response = await fetch(`${url}${path}`, {
          ...init,
          headers: withToken ? { authorization: `Bearer ${token}` } : {},
        });
        return {
          status: response.status,
          body: (await response.json()) as { error: { code: string; message: string } },
        };
      };
      expect(await ask(`/api/runs/${run.id}/output`, {}, false)).toMatchObject({
        status: 401,
        body: { error: { code: 'UNAUTHORIZED' } },
      });
      expect(await ask('/api/runs/987654/output')).toMatchObject({
        status: 404,
        body: { error: { code: 'NOT_FOUND' } },
      });
      expect(await ask(`/api/runs/${run.id}/output?after=-5`)).toMatchObject({
        status: 400,
        body: { error: { message: 'after: must be a whole number of -1 or more' } },
      });
      expect(await ask(`/api/runs/${run.id}/output?format=xml`)).toMatchObject({
        status: 400,
        body: { error: { message: 'format: must be text or frames' } },
      });
      expect(await ask('/api/runs/x1/output')).toMatchObject({
        status: 400,
        body: { error: { message: 'id: must be a positive whole number' } },
      });
      expect(await ask(`/api/runs/${run.id}/output`, { method: 'POST' })).toMatchObject({
        status: 405,
      });
      const refused = followOutput({ url, token: 'nat_wrong' }, run.id);
      await expect(refused.next()).rejects.toMatchObject({
        name: 'OutputStreamError',
        code: 'UNAUTHORIZED',
        httpStatus: 401,
      });
      await expect(followOutput({ url, token }, 987_654).next()).rejects.toBeInstanceOf(
        OutputStreamError,
      );
      // Something else than NetAuto answering (a proxy's page): said plainly.
      const proxy: typeof fetch = () =>
        Promise.resolve(
          new Response('<html>Welcome</html>', { headers: { 'content-type': 'text/html' } }),
        );
      await expect(followOutput({ url, token, fetch: proxy }, run.id).next()).rejects.toThrow(
        /did not answer with a run's output stream \(content type text\/html\)/,
      );
    });
  });
});
