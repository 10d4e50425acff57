import { isIPv6 } from 'node:net';
import type { FailureHistory, LoginFacts } from '@netauto/db';

/**
 * How failed sign-ins slow down guessing without letting one person's failures keep
 * another out:
 *
 * - one e-mail from one address (strict): after `pairMax` failures within the window,
 *   that address waits until the first of them is out of the window; every further
 *   `pairMax` failures within the horizon double the window (15 min, 30 min, 1 h, … up
 *   to the horizon). A success from the address forgets its failures.
 * - one address, any e-mails (loose): the same with `addressMax`, so that one person's
 *   typos (held at `pairMax`) never trip it but spraying many e-mails is stopped.
 * - one e-mail, any addresses (loose, never a lockout): past `accountSlowAfter`
 *   failures within the horizon, each try waits after the last failure, twice as long
 *   each time from `accountFirstDelayMs` up to `accountMaxDelayMs`.
 *
 * An address that the e-mail signed in from before (within `knownForMs`) has proven
 * itself: failures from other addresses (the two loose rules) do not hold it up.
 */
export interface ThrottleRules {
  windowMs: number;
  horizonMs: number;
  pairMax: number;
  addressMax: number;
  accountSlowAfter: number;
  accountFirstDelayMs: number;
  accountMaxDelayMs: number;
  knownForMs: number;
}

export const THROTTLE_HORIZON_MS = 24 * 3_600_000;
export const ACCOUNT_FIRST_DELAY_MS = 10_000;
export const ACCOUNT_MAX_DELAY_MS = 5 * 60_000;
export const KNOWN_ADDRESS_MS = 90 * 24 * 3_600_000;

/**
 * How long `max` failures within a window that doubles with the failures of the
 * horizon hold a sign-in up (0: not at all).
 */
function slidingWait(history: FailureHistory, max: number, rules: ThrottleRules): number {
  if (history.count < max) return 0;
  const doublings = Math.min(30, Math.floor(history.count / max) - 1);
  const span = Math.min(rules.horizonMs, rules.windowMs * 2 ** doublings);
  const oldestOfLast = history.agoMs[max - 1];
  if (oldestOfLast === undefined || oldestOfLast >= span) return 0;
  return span - oldestOfLast;
}

function accountWait(account: LoginFacts['account'], rules: ThrottleRules): number {
  if (account.count < rules.accountSlowAfter || account.lastAgoMs === null) return 0;
  const doublings = Math.min(30, account.count - rules.accountSlowAfter);
  const delay = Math.min(rules.accountMaxDelayMs, rules.accountFirstDelayMs * 2 ** doublings);
  return Math.max(0, delay - account.lastAgoMs);
}

/** How many milliseconds a sign-in must wait before its password is checked (0: none). */
export function signInWait(facts: LoginFacts, rules: ThrottleRules): number {
  const pair = slidingWait(facts.pair, rules.pairMax, rules);
  if (facts.knownAddress) return pair;
  return Math.max(
    pair,
    slidingWait(facts.address, rules.addressMax, rules),
    accountWait(facts.account, rules),
  );
}

/** "10 seconds", "15 minutes", "2 hours": a wait as a person reads it, rounded up. */
export function waitText(ms: number): string {
  const unit = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;
  if (ms <= 60_000) return unit(Math.max(1, Math.ceil(ms / 1000)), 'second');
  if (ms <= 2 * 3_600_000) return unit(Math.ceil(ms / 60_000), 'minute');
  return unit(Math.ceil(ms / 3_600_000), 'hour');
}

/**
 * The client address as the throttle counts it: IPv4 as it is (an IPv4-mapped IPv6
 * address as its IPv4 address), IPv6 by its /64 network, which one client usually
 * holds whole and could otherwise walk through to get fresh addresses.
 */
export function throttleAddress(ip: string | null): string | null {
  if (!ip) return null;
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(ip);
  if (mapped?.[1]) return mapped[1];
  const bare = ip.split('%')[0] ?? ip;
  if (!isIPv6(bare)) return ip;
  const groups = (part: string | undefined) =>
    (part ? part.split(':') : []).flatMap((g) => (g.includes('.') ? ['0', '0'] : [g]));
  const [head, tail] = bare.split('::');
  const left = groups(head);
  const right = tail === undefined ? [] : groups(tail);
  const all = [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  return `${all
    .slice(0, 4)
    .map((g) => parseInt(g, 16).toString(16))
    .join(':')}::/64`;
}
