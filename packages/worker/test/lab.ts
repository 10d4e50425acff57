import type { Database } from '@netauto/db';
import type { Factories } from '@netauto/db/testing';
import type { Lab } from '@netauto/devsim';
import type { Device } from '@netauto/schema';
import { DeviceAccess, HostKeys, Secrets } from '@netauto/device-access';

/** The lab's credentials, as `env:LAB` reads them, for loopback devices only. */
export const LAB_ENV = {
  NETAUTO_LAB_PASSWORD: 'netops-pass',
  NETAUTO_LAB_ENABLE: 'enable-pass',
  NETAUTO_LAB_ALLOW: '127.0.0.0/8,::1',
};

/** Device access for tests: the lab's credentials, host keys on first use. */
export function labAccess(
  db: Database,
  settings: Partial<DeviceAccess['settings']> = {},
  env: NodeJS.ProcessEnv = LAB_ENV,
): DeviceAccess {
  return new DeviceAccess(new Secrets(db, { env }), new HostKeys(db, 'tofu'), {
    connectMs: 3000,
    commandMs: 10_000,
    maxBytes: 64 * 1024 * 1024,
    telnet: false,
    ...settings,
  });
}

/** Every device of the lab in the inventory, by hostname. */
export async function inventoryOf(
  lab: Lab,
  make: Factories,
  site: (hostname: string, index: number) => string | null = () => 'lab',
): Promise<Map<string, Device>> {
  const devices = new Map<string, Device>();
  for (const [i, sim] of lab.devices.entries()) {
    const hostname = sim.spec.hostname;
    devices.set(
      hostname,
      await make.device({
        hostname,
        ip: sim.host,
        port: sim.port,
        platform: sim.spec.platform,
        username: sim.spec.username,
        credRef: 'env:LAB',
        site: site(hostname, i),
      }),
    );
  }
  return devices;
}

/** Waits until `check` holds, looking every 50 ms. */
export async function until(check: () => Promise<boolean>, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
