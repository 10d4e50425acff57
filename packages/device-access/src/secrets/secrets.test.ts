import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { useTestDatabase } from '../../test/db.js';
import { RunError } from '../errors.js';
import { decryptSecret, encryptSecret, parseSecretKey } from './crypto.js';
import { parseCredRef, Secrets } from './secrets.js';

const KEY = randomBytes(32).toString('base64');
/** A device the test credentials may be used for. */
const HERE = { hostname: 'r1', ip: '10.0.0.1', site: 'dc1' };
const ANYWHERE = { cidrs: ['0.0.0.0/0', '::/0'] };

async function reasonOf(promise: Promise<unknown>): Promise<{ reason: string; message: string }> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(RunError);
  return { reason: (error as RunError).reason, message: (error as RunError).message };
}

describe('credential references', () => {
  it.each([
    ['env:LAB', { source: 'env', name: 'LAB' }],
    ['LAB', { source: 'env', name: 'LAB' }],
    ['db:core_rtr', { source: 'db', name: 'core_rtr' }],
  ])('reads %s', (ref, expected) => {
    expect(parseCredRef(ref)).toEqual(expected);
  });

  it("never reads NetAuto's own settings as a device credential", async () => {
    const secrets = new Secrets(undefined, {
      env: { NETAUTO_ADMIN_PASSWORD: 'the-admin-password' },
    });
    const { reason, message } = await reasonOf(secrets.resolve('ADMIN', HERE));
    expect(reason).toBe('missing_secret');
    expect(message).toBe('credential env:ADMIN is reserved for NetAuto itself');
    expect((await reasonOf(secrets.resolve('env:admin', HERE))).reason).toBe('missing_secret');
  });

  it('refuses anything else', () => {
    expect(() => parseCredRef('file:/etc/shadow')).toThrow(RunError);
  });
});

describe('secrets from the environment', () => {
  const env = {
    NETAUTO_LAB_USERNAME: 'netops',
    NETAUTO_LAB_PASSWORD: 's3cret-lab',
    NETAUTO_LAB_ENABLE: 'en-secret',
    NETAUTO_KEYED_PRIVKEY_BASE64: Buffer.from(
      '-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n',
    ).toString('base64'),
    NETAUTO_KEYED_PASSPHRASE: 'pp',
  };
  const secrets = new Secrets(undefined, { env });

  it('reads NETAUTO_<REF>_* for env:REF and a bare REF, in any case', async () => {
    expect(await secrets.resolve('env:LAB', HERE)).toEqual({
      username: 'netops',
      password: 's3cret-lab',
      privateKey: undefined,
      passphrase: undefined,
      enableSecret: 'en-secret',
    });
    expect((await secrets.resolve('lab', HERE)).password).toBe('s3cret-lab');
    expect(await secrets.resolve('KEYED', HERE)).toMatchObject({
      privateKey: '-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n',
      passphrase: 'pp',
    });
  });

  it('a missing secret is missing_secret, naming the variables to set and no value', async () => {
    const { reason, message } = await reasonOf(secrets.resolve('env:NOPE', HERE));
    expect(reason).toBe('missing_secret');
    expect(message).toBe(
      'credential env:NOPE is not set: define NETAUTO_NOPE_PASSWORD or NETAUTO_NOPE_PRIVKEY',
    );
  });
});

describe('the encrypted credential store', async () => {
  const { db } = await useTestDatabase();
  const secrets = new Secrets(db, { secretKey: KEY });

  it('stores AES-256-GCM ciphertext only, and resolves db:NAME', async () => {
    await secrets.set({
      name: 'CORE',
      username: 'admin',
      password: 'p@ss-core',
      enableSecret: 'en',
      scope: ANYWHERE,
    });
    const [row] = await db.rows<{ ciphertext: Buffer }>(
      `SELECT ciphertext FROM credentials WHERE name = 'CORE'`,
    );
    expect(row?.ciphertext.toString('latin1')).not.toContain('p@ss-core');
    expect(await secrets.resolve('db:CORE', HERE)).toEqual({
      username: 'admin',
      password: 'p@ss-core',
      enableSecret: 'en',
    });
    expect(await secrets.list()).toMatchObject([
      { name: 'CORE', username: 'admin', scope: { cidrs: ['0.0.0.0/0', '::/0'], sites: [] } },
    ]);
    expect(JSON.stringify(await secrets.list())).not.toContain('p@ss-core');
  });

  it('replaces and deletes; a deleted one is missing_secret', async () => {
    await secrets.set({ name: 'EDGE', password: 'one', scope: ANYWHERE });
    await secrets.set({ name: 'EDGE', password: 'two', scope: ANYWHERE });
    expect((await secrets.resolve('db:EDGE', HERE)).password).toBe('two');
    await secrets.delete('EDGE');
    expect((await reasonOf(secrets.resolve('db:EDGE', HERE))).reason).toBe('missing_secret');
  });

  it('cannot be read with another key, and says so without the secret', async () => {
    await secrets.set({ name: 'OTHER', password: 'never-shown', scope: ANYWHERE });
    const wrongKey = new Secrets(db, { secretKey: randomBytes(32).toString('hex') });
    const { reason, message } = await reasonOf(wrongKey.resolve('db:OTHER', HERE));
    expect(reason).toBe('missing_secret');
    expect(message).toBe('credential db:OTHER cannot be decrypted with this NETAUTO_SECRET_KEY');
    expect(message).not.toContain('never-shown');
  });

  it('needs NETAUTO_SECRET_KEY of 32 bytes', async () => {
    const noKey = new Secrets(db, {});
    expect(
      (await reasonOf(noKey.set({ name: 'X', password: 'y', scope: ANYWHERE }))).message,
    ).toMatch(/NETAUTO_SECRET_KEY is not set/);
    expect(() => parseSecretKey('c2hvcnQ=')).toThrow('NETAUTO_SECRET_KEY must be 32 bytes');
  });

  it('binds the ciphertext to the credential name', () => {
    const key = parseSecretKey(KEY);
    const blob = encryptSecret(key, 'A', 'secret');
    expect(decryptSecret(key, 'A', blob)).toBe('secret');
    expect(() => decryptSecret(key, 'B', blob)).toThrow(RunError);
  });
});
