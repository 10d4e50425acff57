import { seeded } from './prng.js';
import { SIM_PLATFORMS, type Platform, type SimDeviceSpec, type SimFaults } from './spec.js';

export interface FleetOptions {
  count: number;
  /** `mix` (default): the six platforms in turn; or the platforms to take in turn. */
  platforms?: 'mix' | readonly Platform[];
  /** The fraction of devices (0..1) given one fault each, in the order of FLEET_FAULTS. */
  faults?: number;
  /** Changes which devices are faulty and their sites. Default `devsim`. */
  seed?: string;
}

/** The faults fleet() hands out, in turn, with the values it uses. */
export const FLEET_FAULTS: readonly SimFaults[] = [
  { rejectPassword: true },
  { refuseConnection: true },
  { hangOnConnect: true },
  { hangAfterLogin: true },
  { dripBytesPerSecond: 4096 },
  { dropAfterBytes: 2048 },
  { hugeOutputBytes: 64 * 1024 * 1024 },
  { rotateHostKey: true },
  { bannerDelayMs: 5000 },
];

const ROLE: Record<Platform, string> = {
  cisco_ios: 'rtr',
  cisco_nxos: 'nx',
  cisco_iosxr: 'pe',
  arista_eos: 'sw',
  juniper_junos: 'mx',
  linux: 'srv',
};

const SITES = ['dc1', 'dc2', 'par1', 'fra1', 'nyc1'] as const;

/**
 * Deterministic device specs for demos and benchmarks: hostnames `<site>-<role>-<nnn>`
 * (`dc1-rtr-001`), every device with the default credentials.
 */
export function fleet(opts: FleetOptions): SimDeviceSpec[] {
  const { count } = opts;
  if (!Number.isInteger(count) || count < 0)
    throw new Error('devsim: fleet count must be an integer >= 0');
  const fraction = opts.faults ?? 0;
  if (!(fraction >= 0 && fraction <= 1))
    throw new Error('devsim: fleet faults must be a fraction from 0 to 1');
  const platforms =
    opts.platforms === undefined || opts.platforms === 'mix' ? SIM_PLATFORMS : opts.platforms;
  if (platforms.length === 0) throw new Error('devsim: fleet platforms must not be empty');
  const seed = opts.seed ?? 'devsim';
  const siteRng = seeded(seed, 'fleet-sites');
  const faulty = seeded(seed, 'fleet-faults')
    .shuffle(Array.from({ length: count }, (_, i) => i))
    .slice(0, Math.round(count * fraction));
  const faultOf = new Map(faulty.map((index, n) => [index, FLEET_FAULTS[n % FLEET_FAULTS.length]]));
  const digits = Math.max(3, String(count).length);
  return Array.from({ length: count }, (_, i) => {
    const platform = platforms[i % platforms.length] as Platform;
    const site = siteRng.pick(SITES);
    const faults = faultOf.get(i);
    return {
      hostname: `${site}-${ROLE[platform]}-${String(i + 1).padStart(digits, '0')}`,
      platform,
      site,
      ...(faults && { faults: { ...faults } }),
    };
  });
}
