import { randomBytes } from 'node:crypto';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { loadConfig } from '@netauto/config';
import { repositories } from '@netauto/db';
import { factories } from '@netauto/db/testing';
import { startLab } from '@netauto/devsim';
import { afterAll, describe, expect, it } from 'vitest';
import {
  DeviceAccess,
  type DeviceTarget,
  HostKeys,
  RunError,
  Secrets,
} from '@netauto/device-access';
import { executeRun } from '../src/run-job.js';
import { startWorkersFromEnv } from '../src/from-env.js';
import { createLogger } from '@netauto/observability';
import { useTestDatabase } from './db.js';

const PASSWORD = 'netops-pass';
const CANARY = `canary-${randomBytes(8).toString('hex')}`;

/** A plain TCP listener that counts the connections it accepts and the bytes it receives. */
async function canaryListener(host: string) {
  const seen = { connections: 0, bytes: 0 };
  const server: Server = createServer((socket) => {
    seen.connections += 1;
    socket.on('data', (data) => {
      seen.bytes += data.length;
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, resolve);
  });
  return {
    host,
    port: (server.address() as AddressInfo).port,
    seen,
    close: () =>
      new Promise<void>((resolve) =>
        server.close(() => {
          resolve();
        }),
      ),
  };
}

async function failureOf(promise: Promise<unknown>): Promise<RunError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(RunError);
  return error as RunError;
}

describe('credential scope: a credential is sent only where an admin allows it', async () => {
  const { db } = await useTestDatabase();
  const lab = await startLab({ devices: [{ hostname: 'inscope', platform: 'cisco_ios' }] });
  // Outside every scope below: another loopback address, and IPv6 loopback.
  const outside = await canaryListener('127.0.0.2');
  const outside6 = await canaryListener('::1');
  afterAll(async () => {
    await lab.stop();
    await outside.close();
    await outside6.close();
  });
  const sim = lab.device('inscope');
  const secretKey = randomBytes(32).toString('base64');
  const env = {
    NETAUTO_LAB_PASSWORD: PASSWORD,
    NETAUTO_LAB_ENABLE: 'enable-pass',
    NETAUTO_LAB_ALLOW: '127.0.0.1/32',
    NETAUTO_CANARY_PASSWORD: CANARY,
    NETAUTO_CANARY_ALLOW: '127.0.0.1/32; site=lab',
    NETAUTO_OPEN_PASSWORD: CANARY,
  };
  const secrets = new Secrets(db, { env, secretKey });
  const access = new DeviceAccess(secrets, new HostKeys(db, 'tofu'), {
    connectMs: 3000,
    commandMs: 10_000,
    maxBytes: 1024 * 1024,
    telnet: false,
  });

  const target = (o: Partial<DeviceTarget>): DeviceTarget => ({
    hostname: 'canary',
    ip: sim.host,
    port: sim.port,
    protocol: 'ssh',
    platform: 'cisco_ios',
    username: 'netops',
    credRef: 'env:LAB',
    site: 'lab',
    ...o,
  });
  const untouched = () => {
    expect(outside.seen).toEqual({ connections: 0, bytes: 0 });
    expect(outside6.seen).toEqual({ connections: 0, bytes: 0 });
  };

  it('an env: credential is refused, before any TCP connection, for an address outside its networks', async () => {
    for (const credRef of ['env:LAB', 'env:CANARY', 'CANARY']) {
      for (const listener of [outside, outside6]) {
        const error = await failureOf(
          access.execute(target({ ip: listener.host, port: listener.port, credRef }), 'show ver'),
        );
        expect(error.reason).toBe('credential_out_of_scope');
        expect(error.message).toContain(listener.host);
        expect(error.message).not.toContain(CANARY);
      }
    }
    // The IPv4-mapped spelling of an outside address is that address.
    const mapped = await failureOf(
      access.execute(target({ ip: '::ffff:127.0.0.2', port: outside.port }), 'show ver'),
    );
    expect(mapped.reason).toBe('credential_out_of_scope');
    untouched();
  });

  it('a credential scoped to sites is refused for a device at another site, or at none', async () => {
    const before = sim.connections;
    for (const site of ['dc1', null]) {
      const error = await failureOf(
        access.execute(target({ credRef: 'env:CANARY', site }), 'show version'),
      );
      expect(error.reason).toBe('credential_out_of_scope');
    }
    expect(sim.connections).toBe(before);
  });

  it('an in-scope device works', async () => {
    const result = await access.execute(target({}), 'show version');
    expect(result.exitCode).toBe(0);
    expect(result.bytes).toBeGreaterThan(0);
  });

  it('an unscoped env: credential is still used (it is flagged, not refused)', async () => {
    const before = sim.connections;
    // The device refuses the password, but the credential was let through to it.
    const error = await failureOf(access.execute(target({ credRef: 'env:OPEN' }), 'show version'));
    expect(error.reason).toBe('auth_failed');
    expect(sim.connections).toBe(before + 1);
    expect(secrets.environmentCredentials()).toEqual([
      {
        ref: 'env:CANARY',
        variable: 'NETAUTO_CANARY_ALLOW',
        status: 'scoped',
        scope: { cidrs: ['127.0.0.1/32'], sites: ['lab'] },
        problem: null,
      },
      {
        ref: 'env:LAB',
        variable: 'NETAUTO_LAB_ALLOW',
        status: 'scoped',
        scope: { cidrs: ['127.0.0.1/32'], sites: [] },
        problem: null,
      },
      {
        ref: 'env:OPEN',
        variable: 'NETAUTO_OPEN_ALLOW',
        status: 'unscoped',
        scope: null,
        problem: 'no scope: NETAUTO_OPEN_ALLOW is not set, so any device may use it',
      },
    ]);
  });

  it('a bad NETAUTO_<REF>_ALLOW refuses the credential and says what is wrong', async () => {
    const bad = new Secrets(db, {
      env: { NETAUTO_BAD_PASSWORD: CANARY, NETAUTO_BAD_ALLOW: '10.1.2.3/8' },
    });
    const badAccess = new DeviceAccess(bad, access.hostKeys, access.settings);
    const error = await failureOf(
      badAccess.execute(target({ credRef: 'env:BAD', ip: outside.host, port: outside.port }), 'x'),
    );
    expect(error.reason).toBe('credential_out_of_scope');
    expect(error.message).toContain('NETAUTO_BAD_ALLOW');
    expect(error.message).toContain('10.1.2.3/8');
    untouched();
  });

  it('a db: credential is refused outside its scope, and used inside it', async () => {
    await secrets.set({
      name: 'CANARY',
      username: 'netops',
      password: CANARY,
      scope: { cidrs: ['127.0.0.1'] },
    });
    await secrets.set({
      name: 'LABDB',
      password: PASSWORD,
      enableSecret: 'enable-pass',
      scope: { cidrs: ['127.0.0.0/31', '2001:db8::/32'], sites: ['lab'] },
    });
    for (const listener of [outside, outside6]) {
      for (const credRef of ['db:CANARY', 'db:LABDB']) {
        const error = await failureOf(
          access.execute(target({ ip: listener.host, port: listener.port, credRef }), 'show ver'),
        );
        expect(error.reason).toBe('credential_out_of_scope');
        expect(error.message).not.toContain(CANARY);
      }
    }
    untouched();
    const result = await access.execute(target({ credRef: 'db:LABDB' }), 'show version');
    expect(result.exitCode).toBe(0);
  });

  it('a db: credential without a scope (stored before scopes existed) is refused until an admin sets one', async () => {
    await secrets.set({ name: 'OLD', password: PASSWORD, scope: { cidrs: ['0.0.0.0/0'] } });
    await db.rows(
      `UPDATE credentials SET scope_cidrs = '{}', scope_sites = '{}' WHERE name = 'OLD' RETURNING id`,
    );
    const before = sim.connections;
    const error = await failureOf(access.execute(target({ credRef: 'db:OLD' }), 'show version'));
    expect(error.reason).toBe('credential_out_of_scope');
    expect(error.message).toBe(
      'credential db:OLD has no scope yet: an admin must set the networks or sites where it may be used',
    );
    expect(sim.connections).toBe(before);
    await secrets.setScope('OLD', { cidrs: ['0.0.0.0/0', '::/0'] });
    expect((await access.execute(target({ credRef: 'db:OLD' }), 'show version')).exitCode).toBe(0);
  });

  it('a run through the executor ends as error credential_out_of_scope, and nothing connects', async () => {
    const make = factories(db);
    const device = await make.device({
      hostname: 'canary-run',
      ip: outside.host,
      port: outside.port,
      credRef: 'db:CANARY',
      site: 'lab',
    });
    const run = await make.run({ deviceId: device.id, command: 'show running-config' });
    const finished = await executeRun({ db, access }, run.id);
    expect(finished).toMatchObject({ status: 'error', errorReason: 'credential_out_of_scope' });
    const stored = await repositories(db).runs.get(run.id);
    expect(JSON.stringify(stored)).not.toContain(CANARY);
    untouched();
  });

  it('at start-up an unscoped env: credential is flagged in one warning line; an invalid scope stops the start', async () => {
    const lines: string[] = [];
    const logger = createLogger({
      level: 'info',
      destination: { write: (line: string) => void lines.push(line) },
    });
    const workers = await startWorkersFromEnv(db, loadConfig(env), logger);
    await workers.stop();
    const warnings = lines.filter((l) => l.includes('has no scope'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('credential env:OPEN has no scope');
    expect(warnings[0]).toContain('NETAUTO_OPEN_ALLOW');
    expect(JSON.parse(warnings[0] ?? '{}')).toMatchObject({ level: 40, ref: 'env:OPEN' });
    expect(lines.join('\n')).not.toContain(CANARY);
    expect(lines.join('\n')).not.toMatch(/env:(LAB|CANARY) has no scope/);

    await expect(
      startWorkersFromEnv(db, loadConfig({ ...env, NETAUTO_CANARY_ALLOW: '127.0.0.1/8' }), logger),
    ).rejects.toThrow(
      'invalid environment: credential env:CANARY is refused: NETAUTO_CANARY_ALLOW is not valid: "127.0.0.1/8" has address bits set past /8',
    );
  });
});
