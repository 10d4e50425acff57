import { utils } from 'ssh2';
import { describe, expect, it } from 'vitest';
import { useTestDatabase } from '../../test/db.js';
import { RunError } from '../errors.js';
import { fingerprintOf, HostKeys, keyTypeOf } from './hostkeys.js';

function newKeyBlob(): Buffer {
  for (;;) {
    // ssh2 now and then writes a public key it cannot read back itself: draw again.
    const parsed = utils.parseKey(utils.generateKeyPairSync('ed25519').public);
    if (!(parsed instanceof Error)) return parsed.getPublicSSH();
  }
}

async function reasonOf(promise: Promise<unknown>): Promise<string | undefined> {
  return promise.then(
    () => undefined,
    (e: unknown) => (e instanceof RunError ? e.reason : 'not a RunError'),
  );
}

describe('host keys', async () => {
  const { db } = await useTestDatabase();

  it('reads the key type and the OpenSSH fingerprint of a key blob', () => {
    const blob = newKeyBlob();
    expect(keyTypeOf(blob)).toBe('ssh-ed25519');
    expect(fingerprintOf(blob)).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
  });

  it('trusts on first use, then refuses a changed key until it is accepted', async () => {
    const keys = new HostKeys(db, 'tofu');
    const first = newKeyBlob();
    const second = newKeyBlob();
    await keys.check('192.0.2.10', 22, first);
    await keys.check('192.0.2.10', 22, first);
    expect((await keys.list()).map((k) => k.fingerprint)).toEqual([fingerprintOf(first)]);

    const error = await keys.check('192.0.2.10', 22, second).then(
      () => undefined,
      (e: unknown) => e as RunError,
    );
    expect(error).toBeInstanceOf(RunError);
    expect(error?.reason).toBe('host_key_mismatch');
    expect(error?.message).toContain(fingerprintOf(second));
    expect((await keys.list())[0]?.pendingFingerprint).toBe(fingerprintOf(second));

    await keys.accept('192.0.2.10', 22, fingerprintOf(second));
    await keys.check('192.0.2.10', 22, second);
    expect(await reasonOf(keys.check('192.0.2.10', 22, first))).toBe('host_key_mismatch');
  });

  it('in strict mode refuses unknown keys, and trusts accepted ones', async () => {
    const strict = new HostKeys(db, 'strict');
    const blob = newKeyBlob();
    expect(await reasonOf(strict.check('192.0.2.20', 22, blob))).toBe('host_key_unknown');
    // Kept as pending, not trusted, until an admin accepts that very key.
    expect((await strict.list()).find((k) => k.host === '192.0.2.20')).toMatchObject({
      fingerprint: null,
      pendingFingerprint: fingerprintOf(blob),
    });
    expect(await reasonOf(strict.check('192.0.2.20', 22, blob))).toBe('host_key_unknown');
    await strict.accept('192.0.2.20', 22, fingerprintOf(blob));
    await strict.check('192.0.2.20', 22, blob);
    // What a tofu process records, a strict one trusts.
    const other = newKeyBlob();
    await new HostKeys(db, 'tofu').check('192.0.2.21', 22, other);
    await strict.check('192.0.2.21', 22, other);
  });

  it('forgets a key: the next one seen is trusted again', async () => {
    const keys = new HostKeys(db, 'tofu');
    await keys.check('192.0.2.30', 2222, newKeyBlob());
    await keys.forget('192.0.2.30', 2222);
    await keys.check('192.0.2.30', 2222, newKeyBlob());
  });
});
