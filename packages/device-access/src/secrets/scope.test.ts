import { describe, expect, it } from 'vitest';
import { environmentCredentialNames } from '../env.js';
import { parseAllowList, scopeAllows } from './scope.js';

describe('NETAUTO_<REF>_ALLOW', () => {
  it('reads networks and sites, separated by commas or semicolons', () => {
    expect(parseAllowList('10.0.0.0/8,192.0.2.0/24;site=dc1,site=par1')).toEqual({
      cidrs: ['10.0.0.0/8', '192.0.2.0/24'],
      sites: ['dc1', 'par1'],
    });
    expect(parseAllowList(' 127.0.0.0/8 , ::1 ,')).toEqual({
      cidrs: ['127.0.0.0/8', '::1/128'],
      sites: [],
    });
    expect(parseAllowList('SITE=lab')).toEqual({ cidrs: [], sites: ['lab'] });
    expect(parseAllowList('0.0.0.0/0,::/0')).toEqual({ cidrs: ['0.0.0.0/0', '::/0'], sites: [] });
  });

  it.each([
    [' , ;', 'it names no network and no site'],
    ['10.0.0.0/8,lab', '"lab" is not an IPv4 or IPv6 network'],
    ['site=', '"site=": site must not be empty'],
    ['10.0.0.1/8', 'has address bits set past /8'],
  ])('refuses %j: %s', (text, message) => {
    const parsed = parseAllowList(text);
    expect('error' in parsed && parsed.error).toContain(message);
  });
});

describe('the scope rule', () => {
  const at = (ip: string, site: string | null = 'dc1') => ({ hostname: 'r1', ip, site });

  it('networks only: the address must be inside one', () => {
    const scope = { cidrs: ['10.0.0.0/8', '2001:db8::/32'], sites: [] };
    expect(scopeAllows(scope, at('10.9.9.9'))).toBe(true);
    expect(scopeAllows(scope, at('::ffff:10.9.9.9', null))).toBe(true);
    expect(scopeAllows(scope, at('2001:db8::7'))).toBe(true);
    expect(scopeAllows(scope, at('11.0.0.1'))).toBe(false);
    expect(scopeAllows(scope, at('::ffff:11.0.0.1'))).toBe(false);
  });

  it('sites only: the site must be one of them, and a device without a site is outside', () => {
    const scope = { cidrs: [], sites: ['dc1'] };
    expect(scopeAllows(scope, at('203.0.113.1'))).toBe(true);
    expect(scopeAllows(scope, at('203.0.113.1', 'dc2'))).toBe(false);
    expect(scopeAllows(scope, at('203.0.113.1', null))).toBe(false);
  });

  it('both: inside a network AND at a site; neither: nowhere', () => {
    const scope = { cidrs: ['10.0.0.0/8'], sites: ['dc1', 'par1'] };
    expect(scopeAllows(scope, at('10.0.0.1', 'par1'))).toBe(true);
    expect(scopeAllows(scope, at('10.0.0.1', 'lon1'))).toBe(false);
    expect(scopeAllows(scope, at('192.0.2.1', 'dc1'))).toBe(false);
    expect(scopeAllows({ cidrs: [], sites: [] }, at('10.0.0.1'))).toBe(false);
  });
});

describe('env: credentials in the environment', () => {
  it('are named by their secret variables, never by NetAuto settings', () => {
    expect(
      environmentCredentialNames({
        NETAUTO_LAB_PASSWORD: 'x',
        NETAUTO_LAB_ALLOW: '10.0.0.0/8',
        NETAUTO_EDGE_EU_PRIVKEY_BASE64: 'eA==',
        NETAUTO_KEYED_PRIVKEY: 'k',
        NETAUTO_EMPTY_PASSWORD: '',
        NETAUTO_ONLYSCOPE_ALLOW: '10.0.0.0/8',
        NETAUTO_ADMIN_PASSWORD: 'the admin',
        NETAUTO_SECRET_KEY: 'k',
        OTHER_LAB_PASSWORD: 'x',
      }),
    ).toEqual(['EDGE_EU', 'KEYED', 'LAB']);
  });
});
