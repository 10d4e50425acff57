import { commandOutput, startLab, type SimDeviceSpec } from '@netauto/devsim';
import type { Platform, RunErrorReason } from '@netauto/schema';
import { utils } from 'ssh2';
import { afterAll, describe, expect, it } from 'vitest';
import { RunError } from '../src/errors.js';
import { DeviceAccess, type DeviceTarget, type ExecuteOptions } from '../src/device-access.js';
import { HostKeys } from '../src/hostkeys/hostkeys.js';
import { Secrets } from '../src/secrets/secrets.js';
import { useTestDatabase } from './db.js';

const PASSWORD = 'netops-pass';
const ENABLE = 'enable-pass';
/** An ed25519 key pair; ssh2 now and then writes a public key it cannot read back itself. */
function keyPair() {
  for (;;) {
    const pair = utils.generateKeyPairSync('ed25519');
    if (!(utils.parseKey(pair.public) instanceof Error)) return pair;
  }
}
const keys = keyPair();
const locked = (() => {
  for (;;) {
    const pair = utils.generateKeyPairSync('ed25519', {
      passphrase: 'open sesame',
      cipher: 'aes256-cbc',
      rounds: 16,
    });
    if (!(utils.parseKey(pair.public) instanceof Error)) return pair;
  }
})();

const specs: SimDeviceSpec[] = [
  { hostname: 'ios1', platform: 'cisco_ios', runningConfigLines: 120 },
  { hostname: 'nxos1', platform: 'cisco_nxos' },
  { hostname: 'xr1', platform: 'cisco_iosxr' },
  { hostname: 'eos1', platform: 'arista_eos' },
  { hostname: 'junos1', platform: 'juniper_junos' },
  { hostname: 'linux1', platform: 'linux' },
  {
    hostname: 'keyed',
    platform: 'linux',
    authorizedKeys: [keys.public, locked.public],
    faults: { rejectPassword: true },
  },
  { hostname: 'badpass', platform: 'cisco_ios', faults: { rejectPassword: true } },
  { hostname: 'oddenable', platform: 'cisco_ios', enableSecret: 'something-else' },
  { hostname: 'kbdonly', platform: 'linux', authMethods: ['keyboard-interactive'] },
  { hostname: 'refused', platform: 'cisco_ios', faults: { refuseConnection: true } },
  { hostname: 'silent', platform: 'cisco_ios', faults: { hangOnConnect: true } },
  { hostname: 'mute', platform: 'cisco_ios', faults: { hangAfterLogin: true } },
  { hostname: 'mutex', platform: 'linux', faults: { hangAfterLogin: true } },
  { hostname: 'drip', platform: 'cisco_ios', faults: { dripBytesPerSecond: 4000 } },
  { hostname: 'dripx', platform: 'linux', faults: { dripBytesPerSecond: 2000 } },
  { hostname: 'dropper', platform: 'cisco_ios', faults: { dropAfterBytes: 3000 } },
  { hostname: 'huge', platform: 'linux', faults: { hugeOutputBytes: 3 * 1024 * 1024 } },
  { hostname: 'hugeios', platform: 'cisco_ios', faults: { hugeOutputBytes: 2 * 1024 * 1024 } },
  { hostname: 'rotor', platform: 'cisco_ios', faults: { rotateHostKey: true } },
  { hostname: 'slowbanner', platform: 'cisco_ios', faults: { bannerDelayMs: 600 } },
  { hostname: 'tel1', platform: 'cisco_ios', protocol: 'telnet' },
  {
    hostname: 'telbad',
    platform: 'cisco_ios',
    protocol: 'telnet',
    faults: { rejectPassword: true },
  },
  {
    hostname: 'telmute',
    platform: 'cisco_ios',
    protocol: 'telnet',
    faults: { hangOnConnect: true },
  },
];

const COMMAND: Record<Exclude<Platform, 'generic'>, string> = {
  cisco_ios: 'show version',
  cisco_nxos: 'show version',
  cisco_iosxr: 'show version',
  arista_eos: 'show version',
  juniper_junos: 'show version',
  linux: 'uname -a',
};

describe('device access against simulated devices', async () => {
  const { db } = await useTestDatabase();
  const lab = await startLab({ devices: specs });
  afterAll(() => lab.stop());

  const LOOPBACK = '127.0.0.0/8,::1';
  const env = {
    NETAUTO_LAB_PASSWORD: PASSWORD,
    NETAUTO_LAB_ENABLE: ENABLE,
    NETAUTO_LAB_ALLOW: LOOPBACK,
    NETAUTO_KEYED_PRIVKEY: keys.private,
    NETAUTO_KEYED_ALLOW: LOOPBACK,
    NETAUTO_LOCKED_PRIVKEY_BASE64: Buffer.from(locked.private).toString('base64'),
    NETAUTO_LOCKED_PASSPHRASE: 'open sesame',
    NETAUTO_LOCKED_ALLOW: LOOPBACK,
    NETAUTO_WRONGPP_PRIVKEY: locked.private,
    NETAUTO_WRONGPP_PASSPHRASE: 'not it',
    NETAUTO_WRONGPP_ALLOW: LOOPBACK,
  };
  const settings = {
    connectMs: 3000,
    commandMs: 10_000,
    maxBytes: 64 * 1024 * 1024,
    telnet: false,
  };
  const access = new DeviceAccess(new Secrets(db, { env }), new HostKeys(db, 'tofu'), settings);
  const errors: RunError[] = [];

  function target(hostname: string, overrides: Partial<DeviceTarget> = {}): DeviceTarget {
    const d = lab.device(hostname);
    return {
      hostname,
      ip: d.host,
      port: d.port,
      protocol: d.spec.protocol,
      platform: d.spec.platform,
      username: d.spec.username,
      credRef: 'env:LAB',
      site: d.spec.site,
      ...overrides,
    };
  }

  async function run(
    hostname: string,
    command: string,
    options: ExecuteOptions = {},
    via = access,
    overrides: Partial<DeviceTarget> = {},
  ) {
    const chunks: string[] = [];
    const onChunk = (c: string) => {
      chunks.push(c);
      return options.onChunk?.(c);
    };
    try {
      const result = await via.execute(target(hostname, overrides), command, {
        ...options,
        onChunk,
      });
      return { ...result, output: chunks.join(''), chunks, error: undefined };
    } catch (error) {
      if (!(error instanceof RunError)) throw error;
      errors.push(error);
      return { exitCode: undefined, bytes: undefined, output: chunks.join(''), chunks, error };
    }
  }

  const reasonOf = async (p: ReturnType<typeof run>): Promise<RunErrorReason | undefined> =>
    (await p).error?.reason;

  it.each(Object.entries(COMMAND))(
    '%s: the exact output, without echo or prompt',
    async (platform, command) => {
      const spec = specs.find((s) => s.platform === platform && !s.faults) as SimDeviceSpec;
      const result = await run(spec.hostname, command);
      expect(result.error).toBeUndefined();
      expect(result.output).toBe(await commandOutput(spec, command));
      expect(result.exitCode).toBe(0);
      expect(result.bytes).toBe(Buffer.byteLength(result.output));
    },
  );

  it('cisco_ios: enables with the secret, and paging is really off for a long config', async () => {
    const spec = specs[0] as SimDeviceSpec;
    const result = await run('ios1', 'show running-config');
    expect(result.error).toBeUndefined();
    expect(result.output).toBe(await commandOutput(spec, 'show running-config'));
    expect(result.output.split('\n').length).toBeGreaterThan(100);
    expect(result.output).not.toContain('--More--');
  });

  it('stays unprivileged without an enable secret', async () => {
    const noEnable = new DeviceAccess(
      new Secrets(db, { env: { NETAUTO_LAB_PASSWORD: PASSWORD, NETAUTO_LAB_ALLOW: LOOPBACK } }),
      access.hostKeys,
      settings,
    );
    const result = await run('ios1', 'show running-config', {}, noEnable);
    expect(result.error?.reason).toBe('device_rejected_command');
    expect(result.output).toBe(
      await commandOutput(specs[0] as SimDeviceSpec, 'show running-config', { privileged: false }),
    );
  });

  it('reports a refused command as device_rejected_command and keeps its output', async () => {
    const result = await run('ios1', 'show bogus');
    expect(result.error?.reason).toBe('device_rejected_command');
    expect(result.error?.message).toMatch(/Invalid input/);
    expect(result.output).toBe(await commandOutput(specs[0] as SimDeviceSpec, 'show bogus'));
  });

  it('runs a multi-line change through configuration mode', async () => {
    const change = 'configure terminal\ninterface GigabitEthernet0/1\n description uplink\nend';
    const result = await run('ios1', change);
    expect(result.error).toBeUndefined();
  });

  it('stops at the first line the device refuses', async () => {
    const result = await run('ios1', 'show bogus\nshow clock\nshow nonsense');
    expect(result.error?.reason).toBe('device_rejected_command');
    const spec = specs[0] as SimDeviceSpec;
    expect(result.output).toBe(await commandOutput(spec, 'show bogus'));
    expect(result.output).not.toContain(await commandOutput(spec, 'show clock'));
  });

  it('a wrong enable secret is auth_failed', async () => {
    const result = await run('oddenable', 'show version');
    expect(result.error?.reason).toBe('auth_failed');
    expect(result.error?.message).toBe('the device refused the enable secret');
  });

  it('keeps the output received before a command timeout, partial line included', async () => {
    const result = await run('drip', 'show running-config', { timeouts: { commandMs: 700 } });
    expect(result.error?.reason).toBe('command_timeout');
    const full = await commandOutput(
      specs.find((s) => s.hostname === 'drip') as SimDeviceSpec,
      'show running-config',
    );
    expect(result.output.length).toBeGreaterThan(100);
    expect(full.startsWith(result.output)).toBe(true);
  });

  it('linux: a non-zero exit status is nonzero_exit with the status; standard error is output', async () => {
    const result = await run('linux1', 'exit 7');
    expect(result.error).toMatchObject({ reason: 'nonzero_exit', exitCode: 7 });
    const missing = await run('linux1', 'frobnicate');
    expect(missing.error).toMatchObject({ reason: 'nonzero_exit', exitCode: 127 });
    expect(missing.output).toBe(await commandOutput(specs[5] as SimDeviceSpec, 'frobnicate'));
    expect(await run('linux1', 'true')).toMatchObject({ exitCode: 0, error: undefined });
  });

  it('logs in with keyboard-interactive when the device offers nothing else', async () => {
    const result = await run('kbdonly', 'uname');
    expect(result.error).toBeUndefined();
    expect(result.output).toBe('Linux\n');
  });

  it('logs in with a private key', async () => {
    const result = await run('keyed', 'uname', {}, access, { credRef: 'env:KEYED' });
    expect(result.error).toBeUndefined();
    expect(result.output).toBe('Linux\n');
  });

  it('logs in with a passphrase-protected key, and refuses a wrong passphrase', async () => {
    const result = await run('keyed', 'uname', {}, access, { credRef: 'LOCKED' });
    expect(result.error).toBeUndefined();
    expect(result.output).toBe('Linux\n');
    const wrong = await run('keyed', 'uname', {}, access, { credRef: 'env:WRONGPP' });
    expect(wrong.error?.reason).toBe('auth_failed');
    expect(wrong.error?.message).not.toContain('not it');
  });

  it('logs in with a credential from the encrypted store (db:NAME)', async () => {
    const secretKey = Buffer.alloc(32, 7).toString('base64');
    const stored = new Secrets(db, { secretKey });
    await stored.set({
      name: 'LABDB',
      password: PASSWORD,
      enableSecret: ENABLE,
      scope: { cidrs: ['127.0.0.0/8', '::1'] },
    });
    const viaStore = new DeviceAccess(stored, access.hostKeys, settings);
    const result = await run('ios1', 'show running-config', {}, viaStore, { credRef: 'db:LABDB' });
    expect(result.error).toBeUndefined();
    expect(result.output).toBe(
      await commandOutput(specs[0] as SimDeviceSpec, 'show running-config'),
    );
    await stored.delete('LABDB');
    expect(await reasonOf(run('ios1', 'show version', {}, viaStore, { credRef: 'db:LABDB' }))).toBe(
      'missing_secret',
    );
  });

  it.each<[string, string, RunErrorReason]>([
    ['badpass', 'show version', 'auth_failed'],
    ['refused', 'show version', 'unreachable'],
    ['silent', 'show version', 'connect_timeout'],
    // No prompt ever comes: the login never completes.
    ['mute', 'show version', 'connect_timeout'],
    ['mutex', 'uname', 'command_timeout'],
  ])('%s ends as %s', async (hostname, command, reason) => {
    const options = { timeouts: { connectMs: 800, commandMs: 800 } };
    expect(await reasonOf(run(hostname, command, options))).toBe(reason);
  });

  it('a missing secret is missing_secret, before any connection', async () => {
    const before = lab.device('ios1').connections;
    const result = await access
      .execute(target('ios1', { credRef: 'env:NOWHERE' }), 'show version')
      .catch((e: unknown) => e as RunError);
    expect((result as RunError).reason).toBe('missing_secret');
    expect(lab.device('ios1').connections).toBe(before);
  });

  it('streams drip output as it is produced, not at the end', async () => {
    const arrivals: number[] = [];
    const started = Date.now();
    const result = await run('drip', 'show version', {
      onChunk: () => arrivals.push(Date.now() - started),
    });
    expect(result.error).toBeUndefined();
    expect(result.output).toBe(
      await commandOutput(
        specs.find((s) => s.hostname === 'drip') as SimDeviceSpec,
        'show version',
      ),
    );
    expect(arrivals.length).toBeGreaterThan(3);
    expect((arrivals.at(-1) ?? 0) - (arrivals[0] ?? 0)).toBeGreaterThan(100);
  });

  it('a dropped connection ends as connection_lost with the output so far', async () => {
    const result = await run('dropper', 'show running-config');
    expect(result.error?.reason).toBe('connection_lost');
    const full = await commandOutput(
      specs.find((s) => s.hostname === 'dropper') as SimDeviceSpec,
      'show running-config',
    );
    expect(result.output.length).toBeGreaterThan(0);
    expect(full.startsWith(result.output)).toBe(true);
  });

  it('huge output is read whole, and the output cap ends a run as output_limit', async () => {
    const whole = await run('huge', 'cat /var/log/huge');
    expect(whole.error).toBeUndefined();
    expect(whole.bytes).toBe(3 * 1024 * 1024);
    const capped = await run('huge', 'cat /var/log/huge', { maxBytes: 256 * 1024 });
    expect(capped.error?.reason).toBe('output_limit');
    expect(Buffer.byteLength(capped.output)).toBeLessThanOrEqual(256 * 1024);
    const cappedIos = await run('hugeios', 'show tech-support', { maxBytes: 100_000 });
    expect(cappedIos.error?.reason).toBe('output_limit');
  });

  it('aborts while connecting and while output flows, within a second', async () => {
    for (const [hostname, command, after] of [
      ['silent', 'show version', 200],
      ['dripx', 'yes | head -c 100000', 300],
      ['drip', 'show running-config', 300],
    ] as const) {
      const controller = new AbortController();
      setTimeout(() => {
        controller.abort();
      }, after);
      const started = Date.now();
      const result = await run(hostname, command, { signal: controller.signal });
      expect(result.error?.reason, hostname).toBe('canceled');
      expect(Date.now() - started - after, hostname).toBeLessThan(1000);
    }
  });

  it('refuses a changed host key until it is accepted', async () => {
    expect((await run('rotor', 'show clock')).error).toBeUndefined();
    const second = await run('rotor', 'show clock');
    expect(second.error?.reason).toBe('host_key_mismatch');
    expect(second.error?.message).toContain(lab.device('rotor').hostKeyFingerprint());
    // Each connection brings yet another key: accept the one recorded as pending.
    const pending = (await access.hostKeys.list()).find((k) => k.port === lab.device('rotor').port);
    expect(pending?.pendingFingerprint).toBe(lab.device('rotor').hostKeyFingerprint());
  });

  it('strict host keys refuse an unknown device', async () => {
    const strict = new DeviceAccess(new Secrets(db, { env }), new HostKeys(db, 'strict'), settings);
    expect((await run('nxos1', 'show version', {}, strict)).error).toBeUndefined(); // known already
    expect(await reasonOf(run('eos1', 'show version', {}, strict))).toBeUndefined();
    expect(await reasonOf(run('slowbanner', 'show version', {}, strict))).toBe('host_key_unknown');
  });

  it('waits for a slow banner within the connect timeout, and times out past it', async () => {
    expect((await run('slowbanner', 'show clock')).error).toBeUndefined();
    expect(await reasonOf(run('slowbanner', 'show clock', { timeouts: { connectMs: 300 } }))).toBe(
      'connect_timeout',
    );
  });

  it('Telnet is refused unless enabled, then works like SSH', async () => {
    expect(await reasonOf(run('tel1', 'show version'))).toBe('unreachable');
    const telnet = new DeviceAccess(new Secrets(db, { env }), access.hostKeys, {
      ...settings,
      telnet: true,
    });
    const result = await run('tel1', 'show version', {}, telnet);
    expect(result.error).toBeUndefined();
    expect(result.output).toBe(
      await commandOutput(
        specs.find((s) => s.hostname === 'tel1') as SimDeviceSpec,
        'show version',
      ),
    );
    expect(await reasonOf(run('telbad', 'show version', {}, telnet))).toBe('auth_failed');
    const short = { timeouts: { connectMs: 500 } };
    expect(await reasonOf(run('telmute', 'show version', short, telnet))).toBe('connect_timeout');
    const controller = new AbortController();
    setTimeout(() => {
      controller.abort();
    }, 200);
    const started = Date.now();
    const aborted = run('telmute', 'show version', { signal: controller.signal }, telnet);
    expect(await reasonOf(aborted)).toBe('canceled');
    expect(Date.now() - started).toBeLessThan(1200);
  });

  it('never puts a secret in an error', () => {
    expect(errors.length).toBeGreaterThan(10);
    for (const error of errors) {
      for (const secret of [PASSWORD, ENABLE, keys.private, locked.private, 'open sesame']) {
        expect(error.message).not.toContain(secret);
      }
    }
  });
});
