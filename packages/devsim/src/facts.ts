import { seeded } from './prng.js';

/** One front-panel port, before a personality names it. */
export interface PortFacts {
  /** 0-based position; personalities turn it into GigabitEthernet0/0/1, ge-0/0/1, eth1... */
  index: number;
  /** IPv4 address, or null for a switched / unused port. */
  ip: string | null;
  prefixLength: number;
  adminUp: boolean;
  operUp: boolean;
  description: string | null;
  /** The peer's hostname, for descriptions. */
  peer: string | null;
}

/** Every varying value of a device, derived from its hostname. Time does not pass on a device. */
export interface DeviceFacts {
  /** The device's frozen clock. */
  now: Date;
  uptimeSeconds: number;
  mgmtIp: string;
  loopbackIp: string;
  /** Base MAC address, 12 lowercase hex digits. */
  mac: string;
  asn: number;
  ospfArea: number;
  ports: PortFacts[];
  /** Letters and digits for serial numbers: personalities take what their format needs. */
  serialSeed: string;
}

const EPOCH = Date.UTC(2025, 0, 6, 0, 0, 0);
const PEERS = ['core', 'dist', 'edge', 'agg', 'spine', 'leaf', 'fw', 'wan'];

export function deviceFacts(hostname: string): DeviceFacts {
  const rng = seeded(hostname, 'facts');
  const now = new Date(EPOCH + rng.int(0, 364 * 86_400) * 1000 + rng.int(0, 999));
  const uptimeSeconds = rng.int(3 * 3600, 420 * 86_400);
  const site = rng.int(1, 200);
  const host = rng.int(1, 250);
  const portCount = rng.int(8, 12);
  const ports: PortFacts[] = [];
  for (let index = 0; index < portCount; index++) {
    const routed = index < 4 || rng.chance(0.4);
    const adminUp = index < 4 || rng.chance(0.75);
    const operUp = adminUp && (index < 3 || rng.chance(0.7));
    const peer = routed ? `${rng.pick(PEERS)}${rng.int(1, 4)}` : null;
    ports.push({
      index,
      ip: routed ? `10.${site}.${rng.int(0, 255)}.${rng.int(0, 63) * 4 + 1}` : null,
      prefixLength: 30,
      adminUp,
      operUp,
      description: peer ? `to-${peer}` : adminUp ? `access-${rng.int(100, 999)}` : null,
      peer,
    });
  }
  const mac = rng.chars(12, '0123456789abcdef');
  return {
    now,
    uptimeSeconds,
    mgmtIp: `10.${site}.0.${host}`,
    loopbackIp: `10.255.${site}.${host}`,
    // The second digit 0: a unicast, globally administered address.
    mac: `${mac.slice(0, 1)}0${mac.slice(2)}`,
    asn: rng.int(64_512, 65_534),
    ospfArea: rng.pick([0, 0, 0, 10, 20]),
    ports,
    serialSeed: rng.chars(16, 'ABCDEFGHJKLMNPQRSTUVWXYZ0123456789'),
  };
}
