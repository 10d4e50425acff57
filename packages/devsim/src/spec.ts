export const SIM_PLATFORMS = [
  'cisco_ios',
  'cisco_nxos',
  'cisco_iosxr',
  'arista_eos',
  'juniper_junos',
  'linux',
] as const;
export type Platform = (typeof SIM_PLATFORMS)[number];

export type SimProtocol = 'ssh' | 'telnet';

export const SSH_AUTH_METHODS = ['publickey', 'password', 'keyboard-interactive'] as const;
export type SshAuthMethod = (typeof SSH_AUTH_METHODS)[number];

/** Misbehaviour a device can be told to show; each is observable from a client. */
export interface SimFaults {
  /** Every password (password and keyboard-interactive) is refused. Public keys still work. */
  rejectPassword?: boolean;
  /** Nothing listens on the device's port: connecting gets ECONNREFUSED. */
  refuseConnection?: boolean;
  /** TCP is accepted, then nothing is ever sent (no SSH ident, no Telnet negotiation). */
  hangOnConnect?: boolean;
  /** Login works, then the shell never prints anything and exec never answers. */
  hangAfterLogin?: boolean;
  /** Command output trickles at this many bytes a second. */
  dripBytesPerSecond?: number;
  /** The socket is destroyed once this many bytes have been written to the session. */
  dropAfterBytes?: number;
  /** `show tech-support` (network CLIs) / `cat /var/log/huge` (linux) prints this many bytes. */
  hugeOutputBytes?: number;
  /** A new host key for every connection. */
  rotateHostKey?: boolean;
  /** The first thing the device prints (banner and prompt, exec output, Telnet `Username: `) comes this late. */
  bannerDelayMs?: number;
}

export interface SimDeviceSpec {
  hostname: string;
  platform: Platform;
  /** Default `ssh`. */
  protocol?: SimProtocol;
  /** Default `netops`. */
  username?: string;
  /** Default `netops-pass`. */
  password?: string;
  /** Default `enable-pass` (used by cisco_ios and arista_eos `enable`). */
  enableSecret?: string;
  /** OpenSSH public key lines (`ssh-ed25519 AAAA... comment`) accepted for public-key login. */
  authorizedKeys?: string[];
  site?: string;
  vendor?: string;
  model?: string;
  /** Lines printed by `show running-config` / `show configuration` (default 200, at least 80). */
  runningConfigLines?: number;
  /** The SSH login methods offered (default all three), e.g. only keyboard-interactive. */
  authMethods?: SshAuthMethod[];
  faults?: SimFaults;
}

/** A spec with every default filled in. */
export interface ResolvedDeviceSpec {
  hostname: string;
  platform: Platform;
  protocol: SimProtocol;
  username: string;
  password: string;
  enableSecret: string;
  authorizedKeys: string[];
  site: string;
  vendor: string;
  model: string;
  runningConfigLines: number;
  authMethods: SshAuthMethod[];
  faults: SimFaults;
}

export const DEFAULT_USERNAME = 'netops';
export const DEFAULT_PASSWORD = 'netops-pass';
export const DEFAULT_ENABLE_SECRET = 'enable-pass';
export const DEFAULT_SITE = 'lab';
export const DEFAULT_RUNNING_CONFIG_LINES = 200;
/** The smallest configuration a device prints; smaller `runningConfigLines` are raised to it. */
export const MIN_RUNNING_CONFIG_LINES = 80;

const HOSTNAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

/** Checks a spec and fills in defaults; `vendor` and `model` come from the personality. */
export function resolveSpec(
  spec: SimDeviceSpec,
  defaults: { vendor: string; model: string },
): ResolvedDeviceSpec {
  if (!HOSTNAME.test(spec.hostname)) {
    throw new Error(
      `devsim: hostname "${spec.hostname}" must be 1-63 letters, digits, dots, dashes or underscores`,
    );
  }
  const faults = { ...spec.faults };
  for (const key of [
    'dripBytesPerSecond',
    'dropAfterBytes',
    'hugeOutputBytes',
    'bannerDelayMs',
  ] as const) {
    const value = faults[key];
    if (value !== undefined && (!Number.isFinite(value) || value < 0)) {
      throw new Error(`devsim: ${spec.hostname}: faults.${key} must be a number >= 0`);
    }
  }
  if (faults.dripBytesPerSecond === 0) {
    throw new Error(`devsim: ${spec.hostname}: faults.dripBytesPerSecond must be above 0`);
  }
  return {
    hostname: spec.hostname,
    platform: spec.platform,
    protocol: spec.protocol ?? 'ssh',
    username: spec.username ?? DEFAULT_USERNAME,
    password: spec.password ?? DEFAULT_PASSWORD,
    enableSecret: spec.enableSecret ?? DEFAULT_ENABLE_SECRET,
    authorizedKeys: [...(spec.authorizedKeys ?? [])],
    site: spec.site ?? DEFAULT_SITE,
    vendor: spec.vendor ?? defaults.vendor,
    model: spec.model ?? defaults.model,
    runningConfigLines: Math.max(
      MIN_RUNNING_CONFIG_LINES,
      Math.floor(spec.runningConfigLines ?? DEFAULT_RUNNING_CONFIG_LINES),
    ),
    authMethods: spec.authMethods?.length ? [...new Set(spec.authMethods)] : [...SSH_AUTH_METHODS],
    faults,
  };
}
