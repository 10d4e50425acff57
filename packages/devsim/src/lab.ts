import { RunningDevice, type SimDevice } from './device.js';
import { formatInventory } from './inventory.js';
import type { SimDeviceSpec } from './spec.js';

export interface LabOptions {
  devices: SimDeviceSpec[];
  /** Address to listen on; default 127.0.0.1. */
  host?: string;
  /** Device i listens on basePort + i; 0 or omitted: free ports. */
  basePort?: number;
}

export interface Lab {
  devices: SimDevice[];
  /** The device with this hostname (throws if there is none). */
  device(hostname: string): SimDevice;
  /** The inventory for the devices import (see README: credRef env:DEVSIM). */
  inventory(format: 'csv' | 'json'): string;
  /** Stops listening and cuts every connection. */
  stop(): Promise<void>;
}

/** Starts every device of `opts.devices`, each on its own port, in this process. */
export async function startLab(opts: LabOptions): Promise<Lab> {
  const host = opts.host ?? '127.0.0.1';
  const basePort = opts.basePort ?? 0;
  const seen = new Set<string>();
  for (const spec of opts.devices) {
    if (seen.has(spec.hostname)) throw new Error(`devsim: hostname ${spec.hostname} is used twice`);
    seen.add(spec.hostname);
  }
  const devices = opts.devices.map((spec) => new RunningDevice(spec));
  const results = await Promise.allSettled(
    devices.map((d, i) => d.start(host, basePort === 0 ? 0 : basePort + i)),
  );
  const failed = results.find((r) => r.status === 'rejected');
  if (failed) {
    await Promise.all(devices.map((d) => d.stop()));
    throw failed.reason instanceof Error ? failed.reason : new Error(String(failed.reason));
  }
  const byName = new Map<string, SimDevice>(devices.map((d) => [d.spec.hostname, d]));
  return {
    devices,
    device(hostname) {
      const d = byName.get(hostname);
      if (!d) throw new Error(`devsim: no device named ${hostname} in this lab`);
      return d;
    },
    inventory: (format) => formatInventory(devices, format),
    stop: async () => {
      await Promise.all(devices.map((d) => d.stop()));
    },
  };
}
