import { describe, expect, it } from 'vitest';
import { useTestDatabase } from '../../test/db.js';
import { InvalidStateError, NotFoundError, ValidationError } from '../errors.js';

describe('known hosts', async () => {
  const { repos, db } = await useTestDatabase();
  const hosts = repos.knownHosts;
  const key = { host: '192.0.2.1', port: 22, keyType: 'ssh-ed25519', fingerprint: 'SHA256:first' };

  it('records the first key seen, and keeps it when another key races in', async () => {
    const first = await hosts.recordFirstUse(key);
    expect(first).toMatchObject(key);
    const second = await hosts.recordFirstUse({ ...key, fingerprint: 'SHA256:other' });
    expect(second.fingerprint).toBe('SHA256:first');
    expect(await hosts.find('192.0.2.1', 22)).toMatchObject({ fingerprint: 'SHA256:first' });
    expect(await hosts.find('192.0.2.1', 2222)).toBeUndefined();
  });

  it('remembers a changed key as pending until it is accepted', async () => {
    await hosts.recordFirstUse({ ...key, host: '192.0.2.3' });
    await expect(hosts.acceptPending({ host: '192.0.2.3', port: 22 }, 'SHA256:x')).rejects.toThrow(
      InvalidStateError,
    );
    await hosts.notePending({ ...key, host: '192.0.2.3', fingerprint: 'SHA256:changed' });
    expect(await hosts.find('192.0.2.3', 22)).toMatchObject({
      fingerprint: 'SHA256:first',
      pendingFingerprint: 'SHA256:changed',
    });
    await expect(
      hosts.acceptPending({ host: '192.0.2.3', port: 22 }, 'SHA256:other'),
    ).rejects.toThrow('the key waiting for 192.0.2.3:22 is SHA256:changed, not SHA256:other');
    const accepted = await hosts.acceptPending({ host: '192.0.2.3', port: 22 }, 'SHA256:changed');
    expect(accepted).toMatchObject({ fingerprint: 'SHA256:changed', pendingFingerprint: null });
    await expect(hosts.acceptPending({ host: '192.0.2.9', port: 22 }, 'SHA256:x')).rejects.toThrow(
      NotFoundError,
    );
  });

  it('accepts a changed key, lists and forgets', async () => {
    await hosts.recordFirstUse({ ...key, host: '192.0.2.2' });
    const accepted = await hosts.accept({ ...key, host: '192.0.2.2', fingerprint: 'SHA256:new' });
    expect(accepted.fingerprint).toBe('SHA256:new');
    expect((await hosts.list()).map((h) => h.host)).toEqual([
      '192.0.2.1',
      '192.0.2.2',
      '192.0.2.3',
    ]);
    const before = await hosts.findAndTouch('192.0.2.2', 22, 'SHA256:new');
    await hosts.findAndTouch('192.0.2.2', 22, 'SHA256:new');
    expect((await hosts.find('192.0.2.2', 22))?.lastSeenAt).toBe(before?.lastSeenAt);
    expect(await hosts.findAndTouch('192.0.2.99', 22, 'SHA256:new')).toBeUndefined();
    await db.rows(
      `UPDATE known_hosts SET last_seen_at = now() - interval '2 minutes' RETURNING id`,
    );
    const old = await hosts.findAndTouch('192.0.2.2', 22, 'SHA256:new');
    expect((await hosts.find('192.0.2.2', 22))?.lastSeenAt).not.toBe(old?.lastSeenAt);
    // A different key is reported, and does not count as seen.
    await db.rows(
      `UPDATE known_hosts SET last_seen_at = now() - interval '2 minutes' RETURNING id`,
    );
    const other = await hosts.findAndTouch('192.0.2.2', 22, 'SHA256:other');
    expect(other?.fingerprint).toBe('SHA256:new');
    expect((await hosts.find('192.0.2.2', 22))?.lastSeenAt).toBe(other?.lastSeenAt);
    await hosts.forget({ host: '192.0.2.2', port: 22 });
    await expect(hosts.forget({ host: '192.0.2.2', port: 22 })).rejects.toThrow(NotFoundError);
    await expect(hosts.forget({ host: '', port: 0 })).rejects.toThrow(ValidationError);
  });
});

describe('credentials store', async () => {
  const { repos } = await useTestDatabase();
  const store = repos.credentials;

  it('puts, replaces, reads ciphertext back, lists without secrets, and deletes', async () => {
    const info = await store.put('CORE', 'netops', Buffer.from([1, 2, 3]));
    expect(info).toMatchObject({ name: 'CORE', username: 'netops' });
    expect(info).not.toHaveProperty('ciphertext');
    await store.put('CORE', 'admin', Buffer.from([4, 5]));
    expect(await store.ciphertextOf('CORE')).toEqual({
      username: 'admin',
      ciphertext: Buffer.from([4, 5]),
    });
    expect(JSON.stringify(await store.list())).not.toContain('ciphertext');
    await store.delete('CORE');
    expect(await store.ciphertextOf('CORE')).toBeUndefined();
    await expect(store.delete('CORE')).rejects.toThrow(NotFoundError);
    await expect(store.put('bad name', null, Buffer.from([1]))).rejects.toThrow(ValidationError);
  });
});

describe('known hosts without a trusted key', async () => {
  const { repos } = await useTestDatabase();
  const hosts = repos.knownHosts;

  it('holds a pending key alone until it is accepted or a first use trusts one', async () => {
    const seen = {
      host: '198.51.100.1',
      port: 22,
      keyType: 'ssh-ed25519',
      fingerprint: 'SHA256:p',
    };
    await hosts.notePending(seen);
    expect(await hosts.find('198.51.100.1', 22)).toMatchObject({
      fingerprint: null,
      keyType: null,
      pendingFingerprint: 'SHA256:p',
    });
    const ref = { host: seen.host, port: seen.port };
    expect((await hosts.acceptPending(ref, 'SHA256:p')).fingerprint).toBe('SHA256:p');

    await hosts.notePending({ ...seen, host: '198.51.100.2' });
    const first = await hosts.recordFirstUse({
      ...seen,
      host: '198.51.100.2',
      fingerprint: 'SHA256:q',
    });
    expect(first.fingerprint).toBe('SHA256:q');
  });
});
