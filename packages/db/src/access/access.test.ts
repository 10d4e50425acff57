import { canonicalIp } from '@netauto/schema';
import { describe, expect, it } from 'vitest';
import { useTestDatabase } from '../../test/db.js';
import { factories } from '../testing/factories.js';
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

  const lab = { cidrs: ['10.0.0.0/8'] };

  it('puts, replaces, reads ciphertext back, lists without secrets, and deletes', async () => {
    const info = await store.put('CORE', 'netops', Buffer.from([1, 2, 3]), lab);
    expect(info).toMatchObject({
      name: 'CORE',
      username: 'netops',
      scope: { cidrs: ['10.0.0.0/8'], sites: [] },
    });
    expect(info).not.toHaveProperty('ciphertext');
    await store.put('CORE', 'admin', Buffer.from([4, 5]), { sites: ['dc1'] });
    expect(await store.ciphertextOf('CORE')).toEqual({
      username: 'admin',
      ciphertext: Buffer.from([4, 5]),
      scope: { cidrs: [], sites: ['dc1'] },
    });
    expect(JSON.stringify(await store.list())).not.toContain('ciphertext');
    await store.delete('CORE');
    expect(await store.ciphertextOf('CORE')).toBeUndefined();
    await expect(store.delete('CORE')).rejects.toThrow(NotFoundError);
    await expect(store.put('bad name', null, Buffer.from([1]), lab)).rejects.toThrow(
      ValidationError,
    );
  });

  it('needs an explicit scope, kept canonical; changing it says what it was', async () => {
    const refused = await store
      .put('NOWHERE', null, Buffer.from([1]), { cidrs: [], sites: [] })
      .catch((e: unknown) => e as ValidationError);
    expect(refused).toBeInstanceOf(ValidationError);
    expect((refused as ValidationError).fieldErrors).toHaveProperty(['scope.cidrs']);
    await expect(
      store.put('WIDE', null, Buffer.from([1]), { cidrs: ['10.1.2.3/8'] }),
    ).rejects.toThrow('write the network address (such as 10.0.0.0/8)');

    const put = await store.put('EDGE', null, Buffer.from([1]), {
      cidrs: ['::ffff:192.0.2.0/120', '2001:DB8::/32'],
      sites: ['par1'],
    });
    expect(put.scope).toEqual({ cidrs: ['192.0.2.0/24', '2001:db8::/32'], sites: ['par1'] });
    const changed = await store.setScope('EDGE', { cidrs: ['0.0.0.0/0', '::/0'] });
    expect(changed.before).toEqual(put.scope);
    expect(changed.credential.scope).toEqual({ cidrs: ['0.0.0.0/0', '::/0'], sites: [] });
    await expect(store.setScope('MISSING', lab)).rejects.toThrow(NotFoundError);
  });
});

describe('addresses: the canonical text is what PostgreSQL prints', async () => {
  const { db } = await useTestDatabase();

  it('for thousands of IPv6 addresses, runs of zeros and IPv4 tails included', async () => {
    let seed = 7;
    const next = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed;
    };
    const texts: string[] = ['::', '::1', '::ffff:0:0', '::102:304', '1::', '0:1::', '::1:0:0'];
    for (let i = 0; i < 3000; i++) {
      const words = Array.from({ length: 8 }, () => (next() % 3 === 0 ? next() % 65_536 : 0));
      // Upper case, leading zeros, full form: many spellings of one address.
      texts.push(
        words
          .map((w) =>
            w
              .toString(16)
              .padStart(next() % 2 ? 4 : 1, '0')
              .toUpperCase(),
          )
          .join(':'),
      );
    }
    const rows = await db.rows<{ text: string; host: string; mapped: boolean }>(
      `SELECT t AS text, host(t::inet) AS host, t::inet <<= '::ffff:0.0.0.0/96'::inet AS mapped
       FROM unnest($1::text[]) AS t`,
      [texts],
    );
    expect(rows).toHaveLength(texts.length);
    for (const r of rows) {
      const expected = r.mapped ? r.host.replace(/^::ffff:/, '') : r.host;
      expect(canonicalIp(r.text), r.text).toBe(expected);
    }
  });
});

describe('host keys pinned to devices', async () => {
  const { repos, db } = await useTestDatabase();
  const hosts = repos.knownHosts;
  const make = factories(db);
  const key = (fingerprint: string) => ({ keyType: 'ssh-ed25519', fingerprint });

  it('pins once, reads the pin with the address in one call, unpins', async () => {
    const device = await make.device({ ip: '192.0.2.10', port: 22 });
    expect(await hosts.lookup('192.0.2.10', 22, 'SHA256:a', device.id)).toEqual({
      known: undefined,
      pinned: undefined,
    });
    // Pinned with its first use, once: a later pin does not replace it.
    await hosts.recordFirstUse({ host: '192.0.2.10', port: 22, ...key('SHA256:a') }, device.id);
    await hosts.pin(device.id, key('SHA256:b'));
    const found = await hosts.lookup('192.0.2.10', 22, 'SHA256:a', device.id);
    expect(found.pinned).toEqual(key('SHA256:a'));
    expect(found.known?.fingerprint).toBe('SHA256:a');
    expect((await hosts.lookup('192.0.2.10', 22, 'SHA256:a', undefined)).pinned).toBeUndefined();
    // A key that lost the race for an address is not pinned to the device either.
    const late = await make.device({ ip: '192.0.2.11', port: 22 });
    await hosts.recordFirstUse({ host: '192.0.2.11', port: 22, ...key('SHA256:first') });
    const won = await hosts.recordFirstUse(
      { host: '192.0.2.11', port: 22, ...key('SHA256:second') },
      late.id,
    );
    expect(won.fingerprint).toBe('SHA256:first');
    expect(await hosts.pinned(late.id)).toBeUndefined();
    // A device that is gone is not pinned.
    await hosts.pin(999_999, key('SHA256:x'));
    expect(await hosts.pinned(999_999)).toBeUndefined();
    expect(await hosts.unpin([device.id])).toBe(1);
    expect(await hosts.pinned(device.id)).toBeUndefined();
  });

  it('an accepted key becomes the pin of the devices at that address; forgetting unpins them', async () => {
    const a = await make.device({ ip: '192.0.2.20', port: 2222 });
    const b = await make.device({ ip: '192.0.2.20', port: 2222 });
    const elsewhere = await make.device({ ip: '192.0.2.21', port: 2222 });
    await hosts.pin(a.id, key('SHA256:old'));
    await hosts.pin(elsewhere.id, key('SHA256:old'));
    await hosts.notePending({ host: '192.0.2.20', port: 2222, ...key('SHA256:new') });
    await hosts.acceptPending({ host: '::ffff:192.0.2.20', port: 2222 }, 'SHA256:new');
    expect(await hosts.pinned(a.id)).toEqual(key('SHA256:new'));
    expect(await hosts.pinned(b.id)).toEqual(key('SHA256:new'));
    expect(await hosts.pinned(elsewhere.id)).toEqual(key('SHA256:old'));
    await hosts.forget({ host: '192.0.2.20', port: 2222 });
    expect(await hosts.pinned(a.id)).toBeUndefined();
    expect(await hosts.pinned(b.id)).toBeUndefined();
    expect(await hosts.pinned(elsewhere.id)).toEqual(key('SHA256:old'));
    await expect(hosts.forget({ host: '192.0.2.21', port: 2222 })).rejects.toThrow(NotFoundError);
    expect(await hosts.pinned(elsewhere.id)).toEqual(key('SHA256:old'));
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
