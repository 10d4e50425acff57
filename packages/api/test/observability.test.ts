import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { startLab } from '@netauto/devsim';
import { DeviceAccess, HostKeys, Secrets } from '@netauto/device-access';
import { createLogger, redactSecrets } from '@netauto/observability';
import { startWorkers } from '@netauto/worker';
import { afterAll, describe, expect, it } from 'vitest';
import { createApiServer, createOpsHandler } from '../src/index.js';
import { useApi, PASSWORD } from './api.js';

/** Every line a logger writes, kept for the test to read. */
function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString('utf8'));
      done();
    },
  });
  return { lines, logger: createLogger({ level: 'debug', destination: stream }) };
}

/** The value of one sample of a metric in Prometheus text, 0 when absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) {
      return Number(line.split(' ').at(-1));
    }
  }
  return 0;
}

const DEVICE_PASSWORD = 'device-secret-0b5e7a';

describe('metrics, health and logs', async () => {
  const { lines, logger } = capture();
  const api = await useApi({ logger });
  const lab = await startLab({
    devices: [{ hostname: 'obs1', platform: 'linux', password: DEVICE_PASSWORD }],
  });
  const workers = await startWorkers({
    db: api.db,
    access: new DeviceAccess(
      new Secrets(api.db, {
        env: { NETAUTO_OBS_PASSWORD: DEVICE_PASSWORD, NETAUTO_OBS_ALLOW: '127.0.0.0/8,::1' },
      }),
      new HostKeys(api.db, 'tofu'),
      { connectMs: 3000, commandMs: 5000, maxBytes: 1024 * 1024, telnet: false },
    ),
    url: api.url,
    concurrency: 2,
    pollIntervalMs: 200,
    logger,
  });
  const server = createApiServer(api.services, { metricsToken: undefined });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  afterAll(async () => {
    await workers.stop();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await api.services.hub.stop();
    await lab.stop();
  });

  const sim = lab.device('obs1');
  const operator = await api.signedIn('operator');
  const device = await operator.caller.devices.create({
    hostname: 'obs1',
    ip: sim.host,
    port: sim.port,
    platform: 'linux',
    username: 'netops',
    credRef: 'env:OBS',
  });

  it('answers /healthz and /readyz, and 404 elsewhere', async () => {
    const health = await fetch(`${base}/healthz`);
    expect([health.status, await health.json()]).toEqual([200, { ok: true }]);
    const ready = await fetch(`${base}/readyz`);
    expect([ready.status, await ready.json()]).toEqual([200, { ok: true }]);
    expect((await fetch(`${base}/nothing`)).status).toBe(404);
    expect((await fetch(`${base}/metrics`, { method: 'POST' })).status).toBe(405);
  });

  it('counts a run in /metrics: started, finished, bytes, duration, API calls, queue', async () => {
    const before = await (await fetch(`${base}/metrics`)).text();
    expect(before).toContain('netauto_queue_jobs');
    const run = await operator.caller.runs.create({ deviceId: device.id, command: 'echo metrics' });
    for (let i = 0; i < 200; i++) {
      if ((await api.repos.runs.get(run.id)).status === 'ok') break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect((await api.repos.runs.get(run.id)).status).toBe('ok');
    const after = await (await fetch(`${base}/metrics`)).text();
    const linux = { platform: 'linux' };
    const okLinux = { platform: 'linux', status: 'ok' };
    expect(sample(after, 'netauto_runs_started_total', linux)).toBe(
      sample(before, 'netauto_runs_started_total', linux) + 1,
    );
    expect(sample(after, 'netauto_runs_finished_total', okLinux)).toBe(
      sample(before, 'netauto_runs_finished_total', okLinux) + 1,
    );
    expect(sample(after, 'netauto_run_output_bytes_total', linux)).toBe(
      sample(before, 'netauto_run_output_bytes_total', linux) + 'metrics\n'.length,
    );
    expect(sample(after, 'netauto_run_duration_seconds_count', okLinux)).toBe(
      sample(before, 'netauto_run_duration_seconds_count', okLinux) + 1,
    );
    expect(sample(after, 'netauto_run_queue_wait_seconds_count')).toBe(
      sample(before, 'netauto_run_queue_wait_seconds_count') + 1,
    );
    const create = { procedure: 'runs.create', code: 'OK' };
    expect(sample(after, 'netauto_api_request_duration_seconds_count', create)).toBe(
      sample(before, 'netauto_api_request_duration_seconds_count', create) + 1,
    );
    expect(sample(after, 'netauto_device_sessions_active', { protocol: 'ssh' })).toBe(0);
    expect(sample(after, 'netauto_runs', { status: 'running' })).toBe(0);
  });

  it('counts a command that exits non-zero as a failed run in /metrics, with its reason', async () => {
    const before = await (await fetch(`${base}/metrics`)).text();
    const run = await operator.caller.runs.create({ deviceId: device.id, command: 'false' });
    for (let i = 0; i < 200; i++) {
      if ((await api.repos.runs.get(run.id)).finishedAt !== null) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(await api.repos.runs.get(run.id)).toMatchObject({
      status: 'error',
      errorReason: 'nonzero_exit',
      exitCode: 1,
    });
    const after = await (await fetch(`${base}/metrics`)).text();
    const failed = { platform: 'linux', status: 'error', reason: 'nonzero_exit' };
    const ok = { platform: 'linux', status: 'ok' };
    expect(sample(after, 'netauto_runs_finished_total', failed)).toBe(
      sample(before, 'netauto_runs_finished_total', failed) + 1,
    );
    expect(sample(after, 'netauto_runs_finished_total', ok)).toBe(
      sample(before, 'netauto_runs_finished_total', ok),
    );
    const errorLinux = { platform: 'linux', status: 'error' };
    expect(sample(after, 'netauto_run_duration_seconds_count', errorLinux)).toBe(
      sample(before, 'netauto_run_duration_seconds_count', errorLinux) + 1,
    );
  });

  it('asks for a bearer token on /metrics when one is set', async () => {
    const ops = createOpsHandler(api.services, { metricsToken: 'metrics-token-1234567890' });
    const refused = await ops(new Request('http://x/metrics'));
    expect(refused?.status).toBe(401);
    const allowed = await ops(
      new Request('http://x/metrics', {
        headers: { authorization: 'Bearer metrics-token-1234567890' },
      }),
    );
    expect(allowed?.status).toBe(200);
    expect(await ops(new Request('http://x/api/trpc/health'))).toBeUndefined();
  });

  it('writes JSON logs in which no password, token or cookie used above appears', async () => {
    const viewer = await api.signedIn('viewer', 'watcher@example.net');
    const newPassword = 'a brand new passphrase 42';
    await viewer.caller.auth.changePassword({ currentPassword: PASSWORD, newPassword });
    const wrong = 'not-the-password-9f3k';
    await expect(
      api.anonymous().auth.login({ email: 'watcher@example.net', password: wrong }),
    ).rejects.toThrow();
    await expect(
      viewer.caller.auth.changePassword({ currentPassword: wrong, newPassword: wrong + wrong }),
    ).rejects.toThrow();
    const { token } = await operator.caller.auth.tokens.create({ name: 'logs' });
    const bad = await fetch(`${base}/api/trpc/auth.me`, {
      headers: { authorization: `Bearer ${token}x`, cookie: operator.cookie },
    });
    expect(bad.status).toBe(401);
    await fetch(`${base}/api/trpc/auth.me`, { headers: { cookie: operator.cookie } });

    const text = lines.join('');
    expect(lines.length).toBeGreaterThan(5);
    for (const line of lines) expect(() => JSON.parse(line) as unknown).not.toThrow();
    expect(text).toContain('"procedure":"auth.login"');
    expect(text).toContain('"msg":"api call failed"');
    const secrets = [
      PASSWORD,
      newPassword,
      wrong,
      DEVICE_PASSWORD,
      token,
      operator.cookie.split('=')[1] ?? 'no cookie',
    ];
    for (const secret of secrets) expect(text).not.toContain(secret);
  });

  it('logs no value typed into sign-in, user, credential or token inputs, at debug level', async () => {
    const admin = await api.signedIn('admin', 'log-admin@example.net');
    const from = lines.length;
    // What people type by mistake, under names that look like nothing secret.
    const typed = {
      passwordAsEmail: 'Tr0ub4dor&3-typed-in-email',
      wrongEmail: 'someone-real@example.net',
      userEmail: 'not an e-mail 7c1d',
      role: 'superuser-5e2a',
      credentialName: 'bad name 91fa',
      credentialUser: 'netops-user-4b7e',
      misnamedSecret: 'misnamed-secret-0d3c',
      tokenName: 'token-name-8a6f',
      days: 'ninety-days-2f4b',
      resetId: 'reset-id-3e9c',
    };
    const anon = api.anonymous();
    await expect(
      anon.auth.login({ email: typed.passwordAsEmail, password: 'whatever' }),
    ).rejects.toThrow();
    await expect(
      anon.auth.login({ email: typed.wrongEmail, password: typed.passwordAsEmail }),
    ).rejects.toThrow();
    await expect(
      admin.caller.admin.users.create({
        email: typed.userEmail,
        password: 'long enough password',
        role: typed.role as 'viewer',
      }),
    ).rejects.toThrow();
    await expect(
      admin.caller.admin.users.resetPassword({ id: typed.resetId as never, password: 'short' }),
    ).rejects.toThrow();
    await expect(
      admin.caller.admin.credentials.set({
        name: typed.credentialName,
        username: typed.credentialUser,
        pw: typed.misnamedSecret,
      } as never),
    ).rejects.toThrow();
    await expect(
      admin.caller.admin.tokens.create({
        userId: admin.user.id,
        name: typed.tokenName,
        expiresInDays: typed.days as never,
      }),
    ).rejects.toThrow();
    await expect(
      admin.caller.auth.changePassword({
        currentPassword: typed.passwordAsEmail,
        newPassword: typed.credentialUser,
      }),
    ).rejects.toThrow();

    const text = lines.slice(from).join('');
    for (const value of Object.values(typed)) expect(text).not.toContain(value);
    // What is logged: the procedure, its outcome and the names of the refused fields.
    const failed = lines
      .slice(from)
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((line) => line.msg === 'api call failed');
    expect(failed.map((l) => [l.procedure, l.code])).toEqual([
      ['auth.login', 'BAD_REQUEST'],
      ['auth.login', 'UNAUTHORIZED'],
      ['admin.users.create', 'BAD_REQUEST'],
      ['admin.users.resetPassword', 'BAD_REQUEST'],
      ['admin.credentials.set', 'BAD_REQUEST'],
      ['admin.tokens.create', 'BAD_REQUEST'],
      ['auth.changePassword', 'FORBIDDEN'],
    ]);
    expect(failed[0]?.fields).toEqual(['email']);
    expect(failed[2]?.fields).toEqual(['email', 'role']);
    expect(failed[4]?.fields).toEqual(['input', 'name', 'scope']);
  });

  it('redacts secret-looking keys at any depth', () => {
    expect(
      redactSecrets({
        a: { b: [{ password: 'p', enableSecret: 's', privateKey: 'k', name: 'ok' }] },
        headers: { cookie: 'c', Authorization: 'Bearer t' },
        apiToken: 't',
        procedure: { name: 'auth.login', input: { email: 'typed-password' } },
      }),
    ).toEqual({
      a: {
        b: [
          {
            password: '[redacted]',
            enableSecret: '[redacted]',
            privateKey: '[redacted]',
            name: 'ok',
          },
        ],
      },
      headers: { cookie: '[redacted]', Authorization: '[redacted]' },
      apiToken: '[redacted]',
      procedure: { name: 'auth.login', input: '[redacted]' },
    });
  });
});
