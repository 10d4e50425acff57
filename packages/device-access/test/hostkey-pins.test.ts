import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';
import { repositories } from '@netauto/db';
import { factories } from '@netauto/db/testing';
import { startLab } from '@netauto/devsim';
import type { Device } from '@netauto/schema';
import { afterAll, describe, expect, it } from 'vitest';
import { RunError } from '../src/errors.js';
import { DeviceAccess } from '../src/device-access.js';
import { HostKeys } from '../src/hostkeys/hostkeys.js';
import { Secrets } from '../src/secrets/secrets.js';
import { useTestDatabase } from './db.js';
import { LAB_ENV } from './lab.js';

/** Another loopback address in front of a device: the same host key, reached elsewhere. */
async function proxy(host: string, to: { host: string; port: number }) {
  const sockets = new Set<Socket>();
  const server: Server = createServer((inbound) => {
    const outbound = connect(to.port, to.host);
    for (const s of [inbound, outbound]) {
      sockets.add(s);
      s.on('error', () => undefined);
      s.on('close', () => sockets.delete(s));
    }
    inbound.pipe(outbound).pipe(inbound);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, resolve);
  });
  return {
    host,
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => {
          resolve();
        });
      }),
  };
}

describe('host keys are pinned to the address as stored and to the device', async () => {
  const { db } = await useTestDatabase();
  const repos = repositories(db);
  const make = factories(db);
  const lab = await startLab({
    devices: ['pin-a', 'pin-b', 'pin-c', 'pin-d', 'pin-e'].map((hostname) => ({
      hostname,
      platform: 'cisco_ios' as const,
    })),
  });
  const ahead = await proxy('127.0.0.3', lab.device('pin-e'));
  afterAll(async () => {
    await ahead.close();
    await lab.stop();
  });
  const settings = { connectMs: 3000, commandMs: 10_000, maxBytes: 1024 * 1024, telnet: false };
  const access = new DeviceAccess(new Secrets(db, { env: LAB_ENV }), new HostKeys(db), settings);

  const deviceFor = (hostname: string) => {
    const sim = lab.device(hostname);
    return make.device({
      hostname: `${hostname}-dev`,
      ip: sim.host,
      port: sim.port,
      platform: 'cisco_ios',
      credRef: 'env:LAB',
      site: 'lab',
    });
  };
  const reasonOf = (device: Device, via = access) =>
    via.execute(device, 'show clock').then(
      () => 'ok',
      (e: unknown) => (e instanceof RunError ? e.reason : String(e)),
    );

  it('stores an IPv4-mapped address as its IPv4 address, and IPv6 compressed in lower case', async () => {
    const mapped = await make.device({ ip: '::FFFF:127.0.0.1' });
    expect(mapped.ip).toBe('127.0.0.1');
    const hex = await make.device({ ip: '::ffff:7f00:2' });
    expect(hex.ip).toBe('127.0.0.2');
    const long = await make.device({ ip: '2001:0DB8:0000:0000:0000:0000:0000:0001' });
    expect(long.ip).toBe('2001:db8::1');
    const moved = await repos.devices.update(long.id, { ip: '::ffff:192.0.2.7' });
    expect(moved.ip).toBe('192.0.2.7');
  });

  it('a device whose key changed stays refused when its address is written as ::ffff:127.0.0.1', async () => {
    const sim = lab.device('pin-a');
    const device = await deviceFor('pin-a');
    expect(await reasonOf(device)).toBe('ok');
    sim.rotateHostKey();
    expect(await reasonOf(device)).toBe('host_key_mismatch');

    const respelled = await repos.devices.update(device.id, { ip: '::ffff:127.0.0.1' });
    expect(respelled.ip).toBe('127.0.0.1');
    expect(await reasonOf(respelled)).toBe('host_key_mismatch');
    // Even handed the mapped text directly, the runner checks the key of 127.0.0.1.
    expect(await reasonOf({ ...respelled, ip: '::ffff:127.0.0.1' })).toBe('host_key_mismatch');
    expect(await reasonOf({ ...respelled, ip: '::ffff:7f00:1' })).toBe('host_key_mismatch');
    expect((await repos.knownHosts.list()).map((k) => k.host)).toEqual(['127.0.0.1']);
  });

  it('a device moved to another port, where another key answers, is refused until an admin accepts', async () => {
    const device = await deviceFor('pin-b');
    expect(await reasonOf(device)).toBe('ok');
    // pin-c has never been seen: trust on first use must not apply to a pinned device.
    const c = lab.device('pin-c');
    const moved = await repos.devices.update(device.id, { port: c.port });
    expect(await reasonOf(moved)).toBe('host_key_mismatch');
    expect(await reasonOf(moved)).toBe('host_key_mismatch');
    const waiting = await repos.knownHosts.find('127.0.0.1', c.port);
    expect(waiting).toMatchObject({
      fingerprint: null,
      pendingFingerprint: c.hostKeyFingerprint(),
    });
    await repos.knownHosts.acceptPending(
      { host: '127.0.0.1', port: c.port },
      c.hostKeyFingerprint(),
    );
    expect(await reasonOf(moved)).toBe('ok');

    // pin-d is known already (another device trusted it): still not this device's key.
    const d = lab.device('pin-d');
    expect(await reasonOf(await deviceFor('pin-d'))).toBe('ok');
    const movedAgain = await repos.devices.update(device.id, { port: d.port });
    expect(await reasonOf(movedAgain)).toBe('host_key_mismatch');
    await repos.knownHosts.acceptPending(
      { host: '127.0.0.1', port: d.port },
      d.hostKeyFingerprint(),
    );
    expect(await reasonOf(movedAgain)).toBe('ok');
    // Moving back is a change of key too.
    const back = await repos.devices.update(device.id, { port: c.port });
    expect(await reasonOf(back)).toBe('host_key_mismatch');
  });

  it('a device renumbered to an address that presents its own key needs nobody, in strict mode too', async () => {
    const e = lab.device('pin-e');
    const device = await deviceFor('pin-e');
    expect(await reasonOf(device)).toBe('ok');
    const strict = new DeviceAccess(access.secrets, new HostKeys(db, 'strict'), settings);
    const renumbered = await repos.devices.update(device.id, {
      ip: ahead.host,
      port: ahead.port,
    });
    expect(await reasonOf(renumbered, strict)).toBe('ok');
    expect(await repos.knownHosts.find(ahead.host, ahead.port)).toMatchObject({
      fingerprint: e.hostKeyFingerprint(),
    });
    // A new device there, never pinned, is known by the address in strict mode.
    const other = await make.device({
      hostname: 'pin-e-alias',
      ip: ahead.host,
      port: ahead.port,
      platform: 'cisco_ios',
      credRef: 'env:LAB',
    });
    expect(await reasonOf(other, strict)).toBe('ok');
  });
});
