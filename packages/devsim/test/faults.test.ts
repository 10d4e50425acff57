import { connect as tcpConnect } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startLab, type Lab, type SimDeviceSpec } from '../src/index.js';
import { connect, exec, shell } from './helpers.js';

const SPECS: SimDeviceSpec[] = [
  { hostname: 'reject', platform: 'cisco_ios', faults: { rejectPassword: true } },
  { hostname: 'refuse', platform: 'cisco_ios', faults: { refuseConnection: true } },
  { hostname: 'hang-connect', platform: 'cisco_ios', faults: { hangOnConnect: true } },
  { hostname: 'hang-login', platform: 'cisco_ios', faults: { hangAfterLogin: true } },
  { hostname: 'hang-exec', platform: 'linux', faults: { hangAfterLogin: true } },
  { hostname: 'drip', platform: 'linux', faults: { dripBytesPerSecond: 2000 } },
  { hostname: 'drop', platform: 'linux', faults: { dropAfterBytes: 5000 } },
  { hostname: 'huge', platform: 'linux', faults: { hugeOutputBytes: 3 * 1024 * 1024 + 7 } },
  { hostname: 'huge-ios', platform: 'cisco_ios', faults: { hugeOutputBytes: 1024 * 1024 } },
  { hostname: 'rotate', platform: 'cisco_ios', faults: { rotateHostKey: true } },
  { hostname: 'slow-banner', platform: 'cisco_ios', faults: { bannerDelayMs: 400 } },
];
let lab: Lab;

beforeAll(async () => {
  lab = await startLab({ devices: SPECS });
});
afterAll(() => lab.stop());

describe('faults', () => {
  test('rejectPassword: every password is refused', async () => {
    await expect(connect(lab.device('reject'))).rejects.toThrow(/authentication methods failed/);
  });

  test('refuseConnection: the connection is refused', async () => {
    await expect(connect(lab.device('refuse'))).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });

  test('hangOnConnect: TCP is accepted, the SSH handshake never answers, the socket stays open', async () => {
    const device = lab.device('hang-connect');
    await expect(connect(device, { readyTimeout: 400 })).rejects.toThrow(
      /Timed out while waiting for handshake/,
    );
    const received = await new Promise<number>((resolve) => {
      let bytes = 0;
      const socket = tcpConnect(device.port, device.host, () => {
        setTimeout(() => {
          expect(socket.destroyed).toBe(false);
          socket.destroy();
          resolve(bytes);
        }, 300);
      });
      socket.on('data', (d) => (bytes += d.length));
    });
    expect(received).toBe(0);
    expect(device.connections).toBe(2);
  });

  test('hangAfterLogin: login works, then no prompt (shell) and no answer (exec)', async () => {
    const c = await connect(lab.device('hang-login'));
    const term = await shell(c);
    await new Promise((r) => setTimeout(r, 300));
    expect(term.take()).toBe('');
    expect(term.closed).toBe(false);
    c.end();
    const l = await connect(lab.device('hang-exec'));
    const answered = await Promise.race([
      exec(l, 'hostname').then(() => true),
      new Promise<boolean>((r) =>
        setTimeout(() => {
          r(false);
        }, 300),
      ),
    ]);
    expect(answered).toBe(false);
    l.end();
  });

  test('dripBytesPerSecond: output trickles over time in many pieces', async () => {
    const c = await connect(lab.device('drip'));
    const started = Date.now();
    const pieces = await new Promise<number>((resolve, reject) => {
      c.exec('yes | head -c 1000', (err, channel) => {
        if (err) {
          reject(err);
          return;
        }
        let n = 0;
        let bytes = 0;
        channel.on('data', (d: Buffer) => {
          n++;
          bytes += d.length;
        });
        channel.on('close', () => {
          expect(bytes).toBe(1000);
          resolve(n);
        });
      });
    });
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(400); // 1000 bytes at 2000 B/s
    expect(elapsed).toBeLessThan(3000);
    expect(pieces).toBeGreaterThanOrEqual(5);
    c.end();
  });

  test('dropAfterBytes: the socket is destroyed mid-output, with no exit status', async () => {
    const c = await connect(lab.device('drop'));
    c.on('error', () => undefined);
    const ended = new Promise<void>((resolve) =>
      c.once('close', () => {
        resolve();
      }),
    );
    const result = await exec(c, 'yes | head -c 100000');
    await ended;
    expect(result.code).toBeNull();
    expect(result.stdout.length).toBe(5000);
  });

  test('hugeOutputBytes: cat /var/log/huge and show tech-support print exactly that many bytes', async () => {
    const l = await connect(lab.device('huge'));
    const { stdout, code } = await exec(l, 'cat /var/log/huge');
    expect(Buffer.byteLength(stdout)).toBe(3 * 1024 * 1024 + 7);
    expect(code).toBe(0);
    l.end();

    const c = await connect(lab.device('huge-ios'));
    const term = await shell(c);
    await term.until('huge-ios>');
    term.send('enable\renable-pass\rterminal length 0\r');
    await term.until('huge-ios#');
    await term.until('huge-ios#');
    term.send('show tech-support\r');
    const out = await term.until('\r\nhuge-ios#', 10_000);
    const body = out.slice('show tech-support\r\n'.length, -'huge-ios#'.length);
    expect(Buffer.byteLength(body)).toBe(1024 * 1024);
    c.end();
  });

  test('rotateHostKey: every connection sees a new host key', async () => {
    const device = lab.device('rotate');
    const seen: string[] = [];
    for (let i = 0; i < 2; i++) {
      const c = await connect(device, {
        hostVerifier: () => {
          seen.push(device.hostKeyFingerprint());
          return true;
        },
      });
      c.end();
    }
    expect(seen).toHaveLength(2);
    expect(seen[0]).not.toBe(seen[1]);
  });

  test('bannerDelayMs: the banner and first prompt come that late', async () => {
    const c = await connect(lab.device('slow-banner'));
    const term = await shell(c);
    const started = Date.now();
    await term.until('slow-banner>');
    expect(Date.now() - started).toBeGreaterThanOrEqual(350);
    c.end();
  });
});
