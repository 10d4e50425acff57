import { repositories } from '@netauto/db';
import { factories } from '@netauto/db/testing';
import { commandOutput, startLab, type SimDeviceSpec } from '@netauto/devsim';
import { PLATFORMS, type Platform, type RunErrorReason } from '@netauto/schema';
import { afterAll, describe, expect, it } from 'vitest';
import { executeRun } from '../src/run-job.js';
import { useTestDatabase } from './db.js';
import { inventoryOf, labAccess } from './lab.js';

const specs: SimDeviceSpec[] = [
  { hostname: 'bad-ios', platform: 'cisco_ios' },
  { hostname: 'bad-nxos', platform: 'cisco_nxos' },
  { hostname: 'bad-xr', platform: 'cisco_iosxr' },
  { hostname: 'bad-eos', platform: 'arista_eos' },
  { hostname: 'bad-junos', platform: 'juniper_junos' },
  { hostname: 'bad-linux', platform: 'linux' },
];

/**
 * For every platform: commands its device refuses (an unknown word, an incomplete line,
 * an ambiguous abbreviation where the CLI has one), a good command, and the devsim
 * device that plays it. `generic` is any CLI: it is tried against several of them.
 */
const CASES: {
  platform: Platform;
  device: string;
  bad: [string, RunErrorReason][];
  good: string;
}[] = [
  {
    platform: 'cisco_ios',
    device: 'bad-ios',
    bad: [
      ['show bogus', 'device_rejected_command'],
      ['show', 'device_rejected_command'],
      ['show i', 'device_rejected_command'],
    ],
    good: 'show clock',
  },
  {
    platform: 'cisco_nxos',
    device: 'bad-nxos',
    bad: [
      ['show bogus', 'device_rejected_command'],
      ['show', 'device_rejected_command'],
    ],
    good: 'show clock',
  },
  {
    platform: 'cisco_iosxr',
    device: 'bad-xr',
    bad: [
      ['show bogus', 'device_rejected_command'],
      ['show', 'device_rejected_command'],
    ],
    good: 'show clock',
  },
  {
    platform: 'arista_eos',
    device: 'bad-eos',
    bad: [
      ['show bogus', 'device_rejected_command'],
      ['show', 'device_rejected_command'],
    ],
    good: 'show clock',
  },
  {
    platform: 'juniper_junos',
    device: 'bad-junos',
    bad: [
      ['bogus', 'device_rejected_command'],
      ['show bogus', 'device_rejected_command'],
      ['show', 'device_rejected_command'],
      ['s', 'device_rejected_command'],
    ],
    good: 'show system uptime',
  },
  {
    platform: 'linux',
    device: 'bad-linux',
    bad: [
      ['show bogus', 'nonzero_exit'],
      ['false', 'nonzero_exit'],
      ['cat /nope', 'nonzero_exit'],
    ],
    good: 'uname -a',
  },
  {
    platform: 'generic',
    device: 'bad-ios',
    bad: [
      ['show bogus', 'device_rejected_command'],
      ['show', 'device_rejected_command'],
      ['show i', 'device_rejected_command'],
    ],
    good: 'show clock',
  },
  {
    platform: 'generic',
    device: 'bad-junos',
    bad: [
      ['bogus', 'device_rejected_command'],
      ['show bogus', 'device_rejected_command'],
      ['s', 'device_rejected_command'],
    ],
    good: 'show system uptime',
  },
  {
    platform: 'generic',
    device: 'bad-linux',
    bad: [['frobnicate --now', 'device_rejected_command']],
    good: 'uname -a',
  },
];

describe('a command the device refuses is an error on every platform, never ok', async () => {
  const { db } = await useTestDatabase();
  const lab = await startLab({ devices: specs });
  afterAll(() => lab.stop());
  const repos = repositories(db);
  const make = factories(db);
  const deps = { db, access: labAccess(db) };
  const devices = await inventoryOf(lab, make);
  const specOf = (hostname: string) => specs.find((s) => s.hostname === hostname) as SimDeviceSpec;

  /** The device of `hostname` in the inventory as this platform (a generic twin if asked). */
  async function deviceAs(hostname: string, platform: Platform): Promise<number> {
    const sim = devices.get(hostname);
    if (!sim) throw new Error(`no device ${hostname}`);
    if (sim.platform === platform) return sim.id;
    const name = `${hostname}-as-${platform}`;
    const known = devices.get(name);
    if (known) return known.id;
    const twin = await make.device({
      hostname: name,
      ip: sim.ip,
      port: sim.port,
      platform,
      username: sim.username,
      credRef: sim.credRef,
      site: 'lab',
    });
    devices.set(twin.hostname, twin);
    return twin.id;
  }

  it('covers every platform', () => {
    expect([...new Set(CASES.map((c) => c.platform))].sort()).toEqual([...PLATFORMS].sort());
  });

  for (const { platform, device, bad, good } of CASES) {
    it.each(bad)(`${platform} on ${device}: "%s" ends as error %s`, async (command, reason) => {
      const deviceId = await deviceAs(device, platform);
      const run = await make.run({ deviceId, command });
      const finished = await executeRun(deps, run.id);
      expect(finished).toMatchObject({ status: 'error', errorReason: reason });
      // What the device said is kept, so that people see why.
      expect(await repos.chunks.text(run.id)).toBe(
        await commandOutput(specOf(device), command, { privileged: platform !== 'generic' }),
      );
    });

    it(`${platform} on ${device}: a good command is ok`, async () => {
      const deviceId = await deviceAs(device, platform);
      const run = await make.run({ deviceId, command: good });
      expect(await executeRun(deps, run.id)).toMatchObject({ status: 'ok', errorReason: null });
    });
  }
});
