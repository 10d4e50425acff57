import {
  canonicalIp,
  networkContains,
  parseNetwork,
  Site,
  type CredentialScope,
  type Network,
} from '@netauto/schema';

/** What the scope of a credential is checked against. */
export interface ScopeTarget {
  hostname: string;
  ip: string;
  site?: string | null | undefined;
}

/**
 * The rule: a device may use a credential when its address is inside one of the scope's
 * networks (if it names any) and its site is one of the scope's sites (if it names any).
 * A scope naming neither allows nothing.
 */
export function scopeAllows(scope: CredentialScope, target: ScopeTarget): boolean {
  if (scope.cidrs.length === 0 && scope.sites.length === 0) return false;
  if (scope.cidrs.length > 0) {
    const networks = scope.cidrs
      .map((c) => parseNetwork(c))
      .filter((n): n is Network => !('error' in n));
    if (!networks.some((n) => networkContains(n, target.ip))) return false;
  }
  if (scope.sites.length > 0) {
    if (target.site == null || !scope.sites.includes(target.site)) return false;
  }
  return true;
}

/** The scope in words, for messages: `10.0.0.0/8, 192.0.2.0/24 at site dc1`. */
export function describeScope(scope: CredentialScope): string {
  const nets = scope.cidrs.join(', ');
  const sites = scope.sites.length
    ? `site${scope.sites.length === 1 ? '' : 's'} ${scope.sites.join(', ')}`
    : '';
  return nets && sites ? `${nets} at ${sites}` : nets || sites;
}

/** The device in words, for messages: `r1 (10.1.2.3, site dc1)`. */
export function describeTarget(target: ScopeTarget): string {
  const ip = canonicalIp(target.ip) ?? target.ip;
  return `${target.hostname} (${ip}, ${target.site == null ? 'no site' : `site ${target.site}`})`;
}

/**
 * Reads the scope of an `env:` credential from NETAUTO_<REF>_ALLOW: networks (CIDRs or
 * addresses) and `site=NAME` items, separated by commas or semicolons, for example
 * `10.0.0.0/8,192.0.2.0/24;site=dc1,site=par1`. Returns what is wrong when it is not one.
 */
export function parseAllowList(text: string): CredentialScope | { error: string } {
  const scope: CredentialScope = { cidrs: [], sites: [] };
  for (const raw of text.split(/[,;]/)) {
    const item = raw.trim();
    if (item === '') continue;
    const site = /^site\s*=(.*)$/i.exec(item);
    if (site) {
      const parsed = Site.safeParse(site[1] ?? '');
      if (!parsed.success) {
        return { error: `"${item}": ${parsed.error.issues[0]?.message ?? 'not a site'}` };
      }
      if (!scope.sites.includes(parsed.data)) scope.sites.push(parsed.data);
      continue;
    }
    const network = parseNetwork(item);
    if ('error' in network) return { error: network.error };
    if (!scope.cidrs.includes(network.cidr)) scope.cidrs.push(network.cidr);
  }
  if (scope.cidrs.length === 0 && scope.sites.length === 0) {
    return { error: 'it names no network and no site' };
  }
  return scope;
}
