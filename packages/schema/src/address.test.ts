import { describe, expect, it } from 'vitest';
import { canonicalCidr, canonicalIp, networkContains, parseNetwork } from './address.js';
import { CredentialScopeInput, CredentialSet, DeviceCreate, HostKeyRef } from './index.js';

describe('canonical addresses', () => {
  it.each([
    ['127.0.0.1', '127.0.0.1'],
    ['::ffff:127.0.0.1', '127.0.0.1'],
    ['::FFFF:7f00:1', '127.0.0.1'],
    ['0:0:0:0:0:ffff:c000:0207', '192.0.2.7'],
    ['2001:0DB8:0000:0000:0000:0000:0000:0001', '2001:db8::1'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
    ['0:0:0:0:0:0:0:1', '::1'],
    ['0::0', '::'],
    ['fe80:0:0:0::', 'fe80::'],
    ['::102:304', '::1.2.3.4'],
    [' 10.0.0.1 ', '10.0.0.1'],
  ])('%s is %s', (text, canonical) => {
    expect(canonicalIp(text)).toBe(canonical);
  });

  it.each(['', 'router1', '256.0.0.1', '1.2.3', '1:2:3:4:5:6:7:8:9', ':::', '1::2::3', '::g'])(
    '%j is no address',
    (text) => {
      expect(canonicalIp(text)).toBeUndefined();
    },
  );

  it('a device address is stored canonically', () => {
    const base = { hostname: 'r1', username: 'u', credRef: 'LAB' };
    expect(DeviceCreate.parse({ ...base, ip: '::ffff:10.1.2.3' }).ip).toBe('10.1.2.3');
    expect(DeviceCreate.parse({ ...base, ip: '2001:DB8::0:1' }).ip).toBe('2001:db8::1');
    expect(HostKeyRef.parse({ host: '::ffff:10.1.2.3', port: 22 }).host).toBe('10.1.2.3');
    expect(HostKeyRef.parse({ host: 'router1', port: 22 }).host).toBe('router1');
  });
});

describe('networks', () => {
  it.each([
    ['10.0.0.0/8', '10.0.0.0/8'],
    ['192.0.2.7', '192.0.2.7/32'],
    ['::1', '::1/128'],
    ['0.0.0.0/0', '0.0.0.0/0'],
    ['::/0', '::/0'],
    ['2001:DB8::/32', '2001:db8::/32'],
    ['::ffff:10.0.0.0/104', '10.0.0.0/8'],
    ['::ffff:127.0.0.1', '127.0.0.1/32'],
  ])('%s is %s', (text, canonical) => {
    expect(canonicalCidr(text)).toBe(canonical);
  });

  it.each([
    ['10.1.2.3/8', 'address bits set past /8: write the network address (such as 10.0.0.0/8)'],
    ['10.0.0.0/33', 'the prefix length must be at most 32'],
    ['2001:db8::/129', 'the prefix length must be at most 128'],
    ['::ffff:10.0.0.0/80', 'an IPv4-mapped network needs a prefix from 96 to 128'],
    ['10.0.0.0/', 'has no valid prefix length'],
    ['example.net/24', 'is not an IPv4 or IPv6 network'],
  ])('%s is refused: %s', (text, message) => {
    const n = parseNetwork(text);
    expect('error' in n && n.error).toContain(message);
  });

  it('contains the addresses of its family, an IPv4-mapped address as IPv4', () => {
    const net = (t: string) => {
      const n = parseNetwork(t);
      if ('error' in n) throw new Error(n.error);
      return n;
    };
    expect(networkContains(net('127.0.0.0/8'), '127.1.2.3')).toBe(true);
    expect(networkContains(net('127.0.0.0/8'), '::ffff:127.0.0.2')).toBe(true);
    expect(networkContains(net('127.0.0.1'), '127.0.0.2')).toBe(false);
    expect(networkContains(net('127.0.0.0/8'), '::1')).toBe(false);
    expect(networkContains(net('::/0'), '127.0.0.1')).toBe(false);
    expect(networkContains(net('::/0'), '::ffff:127.0.0.1')).toBe(false);
    expect(networkContains(net('::/0'), '2001:db8::1')).toBe(true);
    expect(networkContains(net('0.0.0.0/0'), '203.0.113.9')).toBe(true);
    expect(networkContains(net('2001:db8::/32'), '2001:db8:ffff::1')).toBe(true);
    expect(networkContains(net('2001:db8::/32'), '2001:db9::1')).toBe(false);
    expect(networkContains(net('10.0.0.0/8'), 'router1')).toBe(false);
  });

  it('a credential scope is explicit: networks, sites or both, canonical and without repeats', () => {
    expect(
      CredentialScopeInput.parse({ cidrs: ['10.0.0.0/8', '::ffff:10.0.0.0/104', '::1'] }),
    ).toEqual({ cidrs: ['10.0.0.0/8', '::1/128'], sites: [] });
    expect(CredentialScopeInput.parse({ sites: ['dc1', 'dc1'] })).toEqual({
      cidrs: [],
      sites: ['dc1'],
    });
    const empty = CredentialScopeInput.safeParse({ cidrs: [], sites: [] });
    expect(empty.error?.issues[0]?.path).toEqual(['cidrs']);
    expect(empty.error?.issues[0]?.message).toContain('for any address write 0.0.0.0/0 and ::/0');
    const missing = CredentialSet.safeParse({ name: 'X', password: 'y' });
    expect(missing.error?.issues.map((i) => [i.path.join('.'), i.message])).toEqual([
      [
        'scope',
        'a scope is required: the networks (CIDRs), the sites, or both where this credential may be used',
      ],
    ]);
    const bad = CredentialSet.safeParse({ name: 'X', password: 'y', scope: { cidrs: ['10.1/8'] } });
    expect(bad.error?.issues[0]?.path).toEqual(['scope', 'cidrs', 0]);
  });
});
