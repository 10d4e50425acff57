import { createConnection } from 'node:net';
import { Telnet } from 'telnet-client';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { commandOutput, startLab, type Lab, type SimDeviceSpec } from '../src/index.js';

const T1: SimDeviceSpec = { hostname: 't1', platform: 'cisco_ios', protocol: 'telnet' };
let lab: Lab;

beforeAll(async () => {
  lab = await startLab({
    devices: [T1, { hostname: 'tj1', platform: 'juniper_junos', protocol: 'telnet' }],
  });
});
afterAll(() => lab.stop());

async function login(hostname: string, prompt: RegExp): Promise<Telnet> {
  const device = lab.device(hostname);
  const t = new Telnet();
  await t.connect({
    host: device.host,
    port: device.port,
    shellPrompt: prompt,
    loginPrompt: /Username: $/,
    passwordPrompt: /Password: $/,
    failedLoginMatch: /% Login invalid/,
    username: 'netops',
    password: 'netops-pass',
    negotiationMandatory: true,
    timeout: 3000,
    execTimeout: 3000,
  });
  return t;
}

describe('telnet', () => {
  test('Username: / Password: login, then the IOS CLI with paging turned off by command', async () => {
    const t = await login('t1', /t1[>#]$/);
    await t.exec('terminal length 0');
    const version = await t.exec('show version');
    const expected = await commandOutput(T1, 'show version', { privileged: false });
    expect(version.replace(/\r\n/g, '\n')).toBe(expected);
    await t.end();
  });

  test('a Junos device over Telnet', async () => {
    const t = await login('tj1', /netops@tj1> $/);
    expect(await t.exec('set cli screen-length 0')).toBe('Screen length set to 0\n\n');
    expect(await t.exec('show version')).toMatch(/^Hostname: tj1\nModel: /);
    await t.end();
  });

  test('negotiates WILL ECHO and WILL SUPPRESS-GO-AHEAD; a wrong password gets % Login invalid', async () => {
    const device = lab.device('t1');
    const socket = createConnection(device.port, device.host);
    let received = Buffer.alloc(0);
    const waitFor = async (text: string) => {
      for (let i = 0; i < 100 && !received.toString('latin1').includes(text); i++) {
        await new Promise((r) => setTimeout(r, 20));
      }
      return received.toString('latin1');
    };
    socket.on('data', (d: Buffer) => (received = Buffer.concat([received, d])));
    await waitFor('Username: ');
    expect([...received.subarray(0, 6)]).toEqual([255, 251, 1, 255, 251, 3]);
    expect(received.subarray(6).toString()).toBe('Username: ');
    // A client's own negotiation is stripped from the input, not taken as text.
    socket.write(Buffer.from([255, 253, 1, 255, 251, 24]));
    socket.write('netops\r\n');
    await waitFor('Password: ');
    socket.write('wrong\r\n');
    await waitFor('Login invalid\r\n\r\nUsername: ');
    const text = received.toString('latin1').replace(/\xff[\xfb-\xfe]./g, '');
    expect(text).toBe('Username: netops\r\nPassword: \r\n% Login invalid\r\n\r\nUsername: ');
    expect([...received].join(',')).toContain('255,254,24'); // DONT TERMINAL-TYPE
    socket.destroy();
  });

  test('Telnet devices have no host key', () => {
    expect(() => lab.device('t1').hostKeyFingerprint()).toThrow(/Telnet/);
  });
});
