import { randomBytes } from 'node:crypto';
import { createServer, type AddressInfo } from 'node:net';
import { startLab } from '@netauto/devsim';
import { DeviceAccess, HostKeys, Secrets } from '@netauto/device-access';
import { startWorkers } from '@netauto/worker';
import type { Run } from '@netauto/schema';
import { afterAll, describe, expect, it } from 'vitest';
import { useApi } from './api.js';
import { errorOf, fieldErrorsOf } from './refusals.js';

// The store's key, as the server and its workers read it.
const SECRET_KEY = randomBytes(32).toString('base64');
const CANARY = `canary-${randomBytes(8).toString('hex')}`;

describe('credential scopes through the API', async () => {
  const api = await useApi({
    env: {
      NETAUTO_SECRET_KEY: SECRET_KEY,
      NETAUTO_LAB_PASSWORD: 'netops-pass',
      NETAUTO_LAB_ALLOW: '127.0.0.0/8,::1',
      NETAUTO_OPEN_PRIVKEY: 'not a real key',
      NETAUTO_BROKEN_PASSWORD: CANARY,
      NETAUTO_BROKEN_ALLOW: '10.0.0.0/8,example.net',
    },
  });
  const admin = await api.signedIn('admin');
  const op = await api.signedIn('operator');

  // An operator's own host, outside the credential's scope: counts what reaches it.
  const seen = { connections: 0, bytes: 0 };
  const listener = createServer((socket) => {
    seen.connections += 1;
    socket.on('data', (d) => (seen.bytes += d.length));
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.2', resolve));
  const canaryPort = (listener.address() as AddressInfo).port;
  // A device that logs in with the stored credential, inside its scope.
  const lab = await startLab({
    devices: [{ hostname: 'vault1', platform: 'cisco_ios', password: CANARY }],
  });
  const workers = await startWorkers({
    db: api.db,
    access: new DeviceAccess(
      new Secrets(api.db, { secretKey: SECRET_KEY, env: {} }),
      new HostKeys(api.db, 'tofu'),
      { connectMs: 5000, commandMs: 10_000, maxBytes: 1024 * 1024, telnet: false },
    ),
    url: api.url,
    concurrency: 4,
    pollIntervalMs: 200,
  });
  afterAll(async () => {
    await workers.stop();
    await api.services.hub.stop();
    await lab.stop();
    await new Promise((resolve) => listener.close(resolve));
  });

  async function finished(runId: number): Promise<Run> {
    const end = Date.now() + 60_000;
    for (;;) {
      const run = await api.repos.runs.get(runId);
      if (run.status === 'ok' || run.status === 'error') return run;
      if (Date.now() > end) throw new Error(`run ${runId} still ${run.status}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  it('a new credential needs a scope, named in the field errors', async () => {
    const missing = await errorOf(
      admin.caller.admin.credentials.set({ name: 'CANARY', password: CANARY } as never),
    );
    expect(missing.code).toBe('BAD_REQUEST');
    expect(fieldErrorsOf(missing)).toEqual({
      scope: [
        'a scope is required: the networks (CIDRs), the sites, or both where this credential may be used',
      ],
    });
    const empty = await errorOf(
      admin.caller.admin.credentials.set({ name: 'CANARY', password: CANARY, scope: {} }),
    );
    expect(Object.keys(fieldErrorsOf(empty))).toEqual(['scope.cidrs']);
    const wide = await errorOf(
      admin.caller.admin.credentials.set({
        name: 'CANARY',
        password: CANARY,
        scope: { cidrs: ['127.0.0.1/8'] },
      }),
    );
    expect(fieldErrorsOf(wide)['scope.cidrs.0']?.[0]).toContain('write the network address');
    expect(await admin.caller.admin.credentials.list()).toEqual([]);
  });

  it("an operator's device outside the scope gets an error run and not one TCP connection", async () => {
    const info = await admin.caller.admin.credentials.set({
      name: 'CANARY',
      username: 'netops',
      password: CANARY,
      scope: { cidrs: ['127.0.0.1'] },
    });
    expect(info.scope).toEqual({ cidrs: ['127.0.0.1/32'], sites: [] });

    for (const ip of ['127.0.0.2', '::ffff:127.0.0.2']) {
      const device = await op.caller.devices.create({
        hostname: `canary-${ip.length}`,
        ip,
        port: canaryPort,
        username: 'netops',
        credRef: 'db:CANARY',
        platform: 'cisco_ios',
      });
      expect(device.ip).toBe('127.0.0.2');
      const run = await op.caller.runs.create({ deviceId: device.id, command: 'show version' });
      const done = await finished(run.id);
      expect(done).toMatchObject({ status: 'error', errorReason: 'credential_out_of_scope' });
      expect(done.errorMessage).toContain('credential db:CANARY may not be used for');
      expect(JSON.stringify(done)).not.toContain(CANARY);
    }
    expect(seen).toEqual({ connections: 0, bytes: 0 });

    const sim = lab.device('vault1');
    const inside = await op.caller.devices.create({
      hostname: 'vault1',
      ip: sim.host,
      port: sim.port,
      username: 'netops',
      credRef: 'db:CANARY',
      platform: 'cisco_ios',
    });
    const run = await op.caller.runs.create({ deviceId: inside.id, command: 'show version' });
    expect(await finished(run.id)).toMatchObject({ status: 'ok' });
  });

  it('list shows each scope; changing one keeps the secret and is audited with before and after', async () => {
    // As a credential stored before scopes existed.
    await admin.caller.admin.credentials.set({
      name: 'LEGACY',
      password: CANARY,
      scope: { sites: ['lab'] },
    });
    await api.db.rows(
      `UPDATE credentials SET scope_cidrs = '{}', scope_sites = '{}' WHERE name = 'LEGACY' RETURNING id`,
    );
    const listed = await admin.caller.admin.credentials.list();
    expect(listed.map((c) => [c.name, c.scope])).toEqual([
      ['CANARY', { cidrs: ['127.0.0.1/32'], sites: [] }],
      ['LEGACY', null],
    ]);
    expect(JSON.stringify(listed)).not.toContain(CANARY);

    const changed = await admin.caller.admin.credentials.scope({
      name: 'LEGACY',
      scope: { cidrs: ['127.0.0.0/8', '::1'], sites: ['lab', 'lab'] },
    });
    expect(changed.scope).toEqual({ cidrs: ['127.0.0.0/8', '::1/128'], sites: ['lab'] });
    const missing = await errorOf(
      admin.caller.admin.credentials.scope({ name: 'NOPE', scope: { sites: ['lab'] } }),
    );
    expect(missing.code).toBe('NOT_FOUND');
    const forbidden = await errorOf(
      op.caller.admin.credentials.scope({ name: 'LEGACY', scope: { cidrs: ['0.0.0.0/0'] } }),
    );
    expect(forbidden.code).toBe('FORBIDDEN');

    const scoped = await admin.caller.audit.list({ action: 'credentials.scope' });
    expect(scoped.items.map((e) => e.summary)).toEqual([
      {
        name: 'LEGACY',
        before: null,
        after: { cidrs: ['127.0.0.0/8', '::1/128'], sites: ['lab'] },
      },
    ]);
    const set = await admin.caller.audit.list({ action: 'credentials.set' });
    expect(set.items.map((e) => e.summary)).toContainEqual({
      name: 'CANARY',
      username: 'netops',
      scope: { cidrs: ['127.0.0.1/32'], sites: [] },
    });
    expect(JSON.stringify(await admin.caller.audit.list({}))).not.toContain(CANARY);
  });

  it("lists the server's env: credentials with their scopes, flagging the unscoped and the invalid", async () => {
    const env = await admin.caller.admin.credentials.environment();
    expect(env.map((c) => [c.ref, c.status, c.scope])).toEqual([
      ['env:BROKEN', 'invalid', null],
      ['env:LAB', 'scoped', { cidrs: ['127.0.0.0/8', '::1/128'], sites: [] }],
      ['env:OPEN', 'unscoped', null],
    ]);
    expect(env[0]?.problem).toContain('NETAUTO_BROKEN_ALLOW is not valid');
    expect(env[2]?.problem).toBe(
      'no scope: NETAUTO_OPEN_ALLOW is not set, so any device may use it',
    );
    expect(JSON.stringify(env)).not.toContain(CANARY);
    expect((await errorOf(op.caller.admin.credentials.environment())).code).toBe('FORBIDDEN');
  });
});
