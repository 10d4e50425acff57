import type { LoginFacts } from '@netauto/db';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '@netauto/config';
import { authSettingsFrom } from '../env.js';
import { signInWait, throttleAddress, waitText } from './throttle.js';

const MIN = 60_000;
const rules = authSettingsFrom(loadConfig({})).loginThrottle;
const none: LoginFacts = {
  pair: { count: 0, agoMs: [] },
  address: { count: 0, agoMs: [] },
  account: { count: 0, lastAgoMs: null },
  knownAddress: false,
};

describe('sign-in throttle rules', () => {
  it('defaults: 5 per e-mail and address and 50 per address in 15 minutes; slower past 20', () => {
    expect(rules).toMatchObject({
      windowMs: 15 * MIN,
      pairMax: 5,
      addressMax: 50,
      accountSlowAfter: 20,
    });
  });

  it('holds an e-mail and address up after 5 failures, until the first is out of the window', () => {
    const pair = { count: 5, agoMs: [1 * MIN, 2 * MIN, 3 * MIN, 4 * MIN, 5 * MIN] };
    expect(signInWait({ ...none, pair }, rules)).toBe(10 * MIN);
    expect(signInWait({ ...none, pair: { count: 4, agoMs: pair.agoMs.slice(0, 4) } }, rules)).toBe(
      0,
    );
    // Spread over more than the window: no wait.
    const spread = { count: 5, agoMs: [1, 20, 40, 60, 80].map((m) => m * MIN) };
    expect(signInWait({ ...none, pair: spread }, rules)).toBe(0);
    // Ten in the horizon: the window is 30 minutes; twenty: two hours.
    const again = { count: 10, agoMs: [1, 2, 3, 4, 20].map((m) => m * MIN) };
    expect(signInWait({ ...none, pair: again }, rules)).toBe(10 * MIN);
    expect(signInWait({ ...none, pair: { ...again, count: 20 } }, rules)).toBe(100 * MIN);
    expect(signInWait({ ...none, pair: { ...again, count: 10_000 } }, rules)).toBe(
      rules.horizonMs - 20 * MIN,
    );
  });

  it('slows an account down past 20 failures, twice as long each time, at most 5 minutes', () => {
    const at = (count: number, lastAgoMs: number) =>
      signInWait({ ...none, account: { count, lastAgoMs } }, rules);
    expect(at(19, 0)).toBe(0);
    expect(at(20, 0)).toBe(10_000);
    expect(at(21, 5_000)).toBe(15_000);
    expect(at(25, 0)).toBe(5 * MIN);
    expect(at(500, 0)).toBe(5 * MIN);
    expect(at(500, 6 * MIN)).toBe(0);
  });

  it('lets a known address past failures from elsewhere, not past its own', () => {
    const busy: LoginFacts = {
      pair: { count: 0, agoMs: [] },
      address: { count: 50, agoMs: Array.from({ length: 50 }, () => 1000) },
      account: { count: 100, lastAgoMs: 0 },
      knownAddress: false,
    };
    expect(signInWait(busy, rules)).toBeGreaterThan(0);
    expect(signInWait({ ...busy, knownAddress: true }, rules)).toBe(0);
    const own = { count: 5, agoMs: [0, 0, 0, 0, 0] };
    expect(signInWait({ ...busy, pair: own, knownAddress: true }, rules)).toBe(15 * MIN);
  });

  it('says how long to wait as a person reads it', () => {
    expect(waitText(1)).toBe('1 second');
    expect(waitText(9_200)).toBe('10 seconds');
    expect(waitText(15 * MIN - 5)).toBe('15 minutes');
    expect(waitText(61_000)).toBe('2 minutes');
    expect(waitText(5 * 3_600_000)).toBe('5 hours');
  });

  it('counts an IPv6 client by its /64, an IPv4-mapped one as IPv4', () => {
    expect(throttleAddress('192.0.2.7')).toBe('192.0.2.7');
    expect(throttleAddress('::ffff:192.0.2.7')).toBe('192.0.2.7');
    expect(throttleAddress('2001:db8:1:2::1')).toBe('2001:db8:1:2::/64');
    expect(throttleAddress('2001:0DB8:0001:0002:ffff:1:2:3')).toBe('2001:db8:1:2::/64');
    expect(throttleAddress('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    expect(throttleAddress('::1')).toBe('0:0:0:0::/64');
    expect(throttleAddress('64:ff9b::192.0.2.1')).toBe('64:ff9b:0:0::/64');
    expect(throttleAddress('not an address')).toBe('not an address');
    expect(throttleAddress(null)).toBeNull();
  });
});
