import type { AddressInfo } from 'node:net';
import { loadConfig } from '@netauto/config';
import { startLab } from '@netauto/devsim';
import { DeviceAccess, HostKeys, Secrets } from '@netauto/device-access';
import { startWorkers } from '@netauto/worker';
import { FrameReader } from '@netauto/schema';
import { afterAll, describe, expect, it } from 'vitest';
import { createContext } from '../src/context.js';
import { createApiServer } from '../src/http.js';
import { createServices } from '../src/services.js';
import { createCaller, requestInfo, useApi } from './api.js';

/** The time within which a stream must end once its caller lost access. */
const LIMIT_MS = 5000;

/** Reads a streamed body as it comes; `ended` says how it ended. */
function reader(response: Response, abort: AbortController) {
  const parts: Uint8Array[] = [];
  const state: { text: string; bytes: Uint8Array; ended?: 'done' | 'cut' } = {
    text: '',
    bytes: new Uint8Array(),
  };
  const done = (async () => {
    try {
      for await (const value of response.body as unknown as AsyncIterable<Uint8Array>) {
        parts.push(value);
        state.bytes = Buffer.concat(parts);
        state.text = Buffer.from(state.bytes).toString('utf8');
      }
      state.ended = 'done';
    } catch {
      state.ended = 'cut';
    }
  })();
  return {
    state,
    done,
    cancel: () => {
      abort.abort();
    },
  };
}

async function until(what: string, check: () => boolean, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('streams end when their caller loses access', async () => {
  const api = await useApi();
  const lab = await startLab({ devices: [{ hostname: 'pinger', platform: 'linux' }] });
  const workers = await startWorkers({
    db: api.db,
    access: new DeviceAccess(
      new Secrets(api.db, {
        env: { NETAUTO_PING_USERNAME: 'netops', NETAUTO_PING_PASSWORD: 'netops-pass' },
      }),
      new HostKeys(api.db, 'tofu'),
      { connectMs: 5000, commandMs: 300_000, maxBytes: 16 * 1024 * 1024, telnet: false },
    ),
    url: api.url,
    concurrency: 4,
    pollIntervalMs: 200,
  });
  const server = createApiServer(api.services);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // Another process on the same database: the changes are made through it.
  const elsewhere = createServices(api.db, loadConfig({}));
  const admin = await api.signedIn('admin');
  const adminElsewhere = createCaller(
    await createContext(elsewhere, requestInfo({ cookie: admin.cookie })),
  );
  afterAll(async () => {
    await workers.stop();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await api.services.hub.stop();
    await elsewhere.hub.stop();
    await lab.stop();
  });

  const sim = lab.device('pinger');
  const operator = await api.signedIn('operator');
  const device = await operator.caller.devices.create({
    hostname: 'pinger',
    ip: sim.host,
    port: sim.port,
    platform: 'linux',
    username: 'netops',
    credRef: 'env:PING',
  });
  // A run that prints a line every 200 ms until it is canceled.
  const run = await operator.caller.runs.create({
    deviceId: device.id,
    command: 'ping -i 0.2 127.0.1.1',
  });
  // A bulk whose run waits behind it (one run at a time per device): its progress stays open.
  const bulk = await operator.caller.bulks.create({
    target: { type: 'devices', deviceIds: [device.id] },
    command: 'ping -c 1 127.0.1.1',
  });
  afterAll(async () => {
    await operator.caller.bulks.cancel({ id: bulk.id });
    await operator.caller.runs.cancel({ id: run.id });
  });

  const open = async (path: string, headers: Record<string, string>) => {
    const abort = new AbortController();
    const response = await fetch(`${base}${path}`, { headers, signal: abort.signal });
    expect(response.status).toBe(200);
    return reader(response, abort);
  };
  const sse = (procedure: string, input: unknown, headers: Record<string, string>) =>
    open(`/api/trpc/${procedure}?input=${encodeURIComponent(JSON.stringify(input))}`, {
      ...headers,
      accept: 'text/event-stream',
    });
  const frames = (stream: ReturnType<typeof reader>) => new FrameReader().push(stream.state.bytes);

  it('a revoked API token ends its output streams and subscriptions within 5 s, saying why', async () => {
    const viewer = await api.signedIn('viewer');
    const { token, apiToken } = await viewer.caller.auth.tokens.create({ name: 'to revoke' });
    const { token: kept } = await viewer.caller.auth.tokens.create({ name: 'to keep' });
    const bearer = { authorization: `Bearer ${token}` };
    const streams = {
      frames: await open(`/api/runs/${run.id}/output?format=frames`, bearer),
      text: await open(`/api/runs/${run.id}/output`, bearer),
      onOutput: await sse('runs.onOutput', { runId: run.id }, bearer),
      onStatus: await sse('runs.onStatus', { id: run.id }, bearer),
      onProgress: await sse('bulks.onProgress', { id: bulk.id }, bearer),
    };
    const control = await open(`/api/runs/${run.id}/output?format=frames`, {
      authorization: `Bearer ${kept}`,
    });
    await until('output on every stream', () =>
      [streams.frames, streams.text, streams.onOutput, control].every((s) =>
        s.state.text.includes('icmp_seq='),
      ),
    );
    await until('the subscriptions to start', () =>
      [streams.onStatus, streams.onProgress].every((s) => s.state.text.includes('data:')),
    );

    const revokedAt = Date.now();
    await adminElsewhere.admin.tokens.revoke({ id: apiToken.id });
    const took: Record<string, number> = {};
    for (const [name, stream] of Object.entries(streams)) {
      await until(`${name} to end`, () => stream.state.ended !== undefined);
      took[name] = Date.now() - revokedAt;
    }
    console.log('ended after revoking the token (ms):', took);
    for (const ms of Object.values(took)) expect(ms).toBeLessThan(LIMIT_MS);

    // Each says why: an error frame, a cut text stream, an error event that ends the SSE.
    const last = frames(streams.frames).at(-1);
    expect(last?.kind).toBe('error');
    expect(JSON.parse(Buffer.from(last?.data ?? []).toString('utf8'))).toMatchObject({
      code: 'UNAUTHORIZED',
    });
    expect(streams.text.state.ended).toBe('cut');
    for (const s of [streams.onOutput, streams.onStatus, streams.onProgress]) {
      expect(s.state.ended).toBe('done');
      expect(s.state.text).toContain('event: serialized-error');
      expect(s.state.text).toContain('"code":"UNAUTHORIZED"');
    }

    // A stream whose token still works goes on.
    const before = frames(control).length;
    await until('more output for the kept token', () => frames(control).length > before + 2);
    expect(control.state.ended).toBeUndefined();
    control.cancel();
    expect(api.services.accessWatch.size).toBeLessThanOrEqual(1);
  }, 60_000);

  it("disabling a user ends the streams of the user's session within 5 s", async () => {
    const viewer = await api.signedIn('viewer');
    const cookie = { cookie: viewer.cookie };
    const streams = {
      frames: await open(`/api/runs/${run.id}/output?format=frames`, cookie),
      onOutput: await sse('runs.onOutput', { runId: run.id }, cookie),
    };
    await until('output', () =>
      Object.values(streams).every((s) => s.state.text.includes('icmp_seq=')),
    );
    const disabledAt = Date.now();
    await adminElsewhere.admin.users.update({ id: viewer.user.id, disabled: true });
    for (const [name, stream] of Object.entries(streams)) {
      await until(`${name} to end`, () => stream.state.ended !== undefined);
      const ms = Date.now() - disabledAt;
      console.log(`${name} ended ${ms} ms after the user was disabled`);
      expect(ms).toBeLessThan(LIMIT_MS);
    }
    expect(frames(streams.frames).at(-1)?.kind).toBe('error');
    expect(streams.onOutput.state.text).toContain('"code":"UNAUTHORIZED"');
  }, 60_000);

  it('ends a stream that needs a role its caller lost', async () => {
    const op = await api.signedIn('operator');
    const identity = (await createContext(api.services, op.request)).identity;
    if (!identity) throw new Error('not signed in');
    const lease = api.services.accessWatch.watch(identity, 'operator');
    const kept = api.services.accessWatch.watch(identity, 'viewer');
    const demotedAt = Date.now();
    await adminElsewhere.admin.users.update({ id: op.user.id, role: 'viewer' });
    await until('the lease to end', () => lease.signal.aborted);
    expect(Date.now() - demotedAt).toBeLessThan(LIMIT_MS);
    expect(lease.signal.reason).toMatchObject({ code: 'FORBIDDEN' });
    expect(kept.signal.aborted).toBe(false);
    kept.stop();
  });
});
