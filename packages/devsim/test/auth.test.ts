import { createHash } from 'node:crypto';
import ssh2 from 'ssh2';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { fingerprintOf, startLab, type Lab } from '../src/index.js';
import { connect, exec, shell } from './helpers.js';

/** A client key pair; ssh2 writes about one ed25519 key in 250 that it cannot read back. */
function keyPair(comment: string): { private: string; public: string } {
  for (;;) {
    const pair = ssh2.utils.generateKeyPairSync('ed25519', { comment });
    if (!(ssh2.utils.parseKey(pair.private) instanceof Error)) return pair;
  }
}
const alice = keyPair('alice');
const mallory = keyPair('mallory');
let lab: Lab;

beforeAll(async () => {
  lab = await startLab({
    devices: [
      { hostname: 'k1', platform: 'linux', authorizedKeys: [alice.public] },
      { hostname: 'r1', platform: 'cisco_ios', username: 'admin', password: 's3cret' },
    ],
  });
});
afterAll(() => lab.stop());

/** OpenSSH's fingerprint of a raw host key blob, computed here independently. */
function sha256(key: Buffer): string {
  return `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;
}

describe('authentication', () => {
  test('password login with the spec credentials; a wrong password or user fails', async () => {
    const c = await connect(lab.device('r1'));
    c.end();
    await expect(connect(lab.device('r1'), { password: 'nope' })).rejects.toThrow(
      /authentication methods failed/,
    );
    await expect(connect(lab.device('r1'), { username: 'netops' })).rejects.toThrow(
      /authentication methods failed/,
    );
  });

  test('keyboard-interactive asks "Password: "', async () => {
    const prompts: string[] = [];
    const c = await new Promise<InstanceType<typeof ssh2.Client>>((resolve, reject) => {
      const client = new ssh2.Client();
      client.on('keyboard-interactive', (_name, _instr, _lang, p, finish) => {
        prompts.push(...p.map((x) => x.prompt));
        finish(['s3cret']);
      });
      client.once('ready', () => {
        resolve(client);
      });
      client.once('error', reject);
      client.connect({
        host: '127.0.0.1',
        port: lab.device('r1').port,
        username: 'admin',
        tryKeyboard: true,
      });
    });
    expect(prompts).toEqual(['Password: ']);
    const term = await shell(c);
    await term.until('r1>');
    c.end();
  });

  test('public key login verifies the signature; an unknown key is refused', async () => {
    const device = lab.device('k1');
    const c = await connect(device, { password: undefined, privateKey: alice.private });
    expect((await exec(c, 'hostname')).stdout).toBe('k1\n');
    c.end();
    await expect(
      connect(device, { password: undefined, privateKey: mallory.private }),
    ).rejects.toThrow(/authentication methods failed/);
  });

  test('the host key fingerprint is what clients see, and rotateHostKey() changes it', async () => {
    const device = lab.device('r1');
    const seen: string[] = [];
    const hostVerifier = (key: Buffer) => {
      seen.push(sha256(key));
      return true;
    };
    const before = device.hostKeyFingerprint();
    expect(before).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
    expect(fingerprintOf(device.hostPublicKey())).toBe(before);
    (await connect(device, { hostVerifier })).end();
    device.rotateHostKey();
    const after = device.hostKeyFingerprint();
    (await connect(device, { hostVerifier })).end();
    expect(after).not.toBe(before);
    expect(seen).toEqual([before, after]);
  });
});
