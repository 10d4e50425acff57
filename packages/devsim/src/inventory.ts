import { stringify } from 'csv-stringify/sync';
import { DEVICE_FILE_COLUMNS, type DeviceCreate } from '@netauto/schema';
import type { SimDevice } from './device.js';
import type { Platform, SimFaults, SimProtocol } from './spec.js';

/** The credential every inventory row points at: NETAUTO_DEVSIM_USERNAME / _PASSWORD / _ENABLE. */
export const INVENTORY_CRED_REF = 'env:DEVSIM';

/** One device as the devices import takes it (`DeviceCreate` of @netauto/schema). */
export type InventoryRow = Required<Omit<DeviceCreate, 'metadata'>> & {
  protocol: SimProtocol;
  platform: Platform;
  vendor: string;
  model: string;
  site: string;
};

/** The columns of an inventory: the device file columns a simulated device fills (no metadata). */
export const INVENTORY_COLUMNS = DEVICE_FILE_COLUMNS.map((c) => c.name).filter(
  (name): name is keyof InventoryRow => name !== 'metadata',
);

const FAULT_TAGS: Record<keyof SimFaults, string> = {
  rejectPassword: 'reject-password',
  refuseConnection: 'refuse-connection',
  hangOnConnect: 'hang-on-connect',
  hangAfterLogin: 'hang-after-login',
  dripBytesPerSecond: 'drip',
  dropAfterBytes: 'drop',
  hugeOutputBytes: 'huge-output',
  rotateHostKey: 'rotate-host-key',
  bannerDelayMs: 'banner-delay',
};

/** `drip`, `drop+huge-output`...: the faults a device shows, for its `fault` tag. */
export function faultTag(faults: SimFaults): string | null {
  const names = (Object.keys(FAULT_TAGS) as (keyof SimFaults)[])
    .filter((k) => faults[k] !== undefined && faults[k] !== false)
    .map((k) => FAULT_TAGS[k]);
  return names.length > 0 ? names.join('+') : null;
}

/** A wildcard listen address is reached through loopback. */
function reachable(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1';
  return host === '::' ? '::1' : host;
}

export function inventoryRow(device: SimDevice): InventoryRow {
  const { spec } = device;
  const fault = faultTag(spec.faults);
  return {
    hostname: spec.hostname,
    ip: reachable(device.host),
    protocol: spec.protocol,
    port: device.port,
    username: spec.username,
    credRef: INVENTORY_CRED_REF,
    platform: spec.platform,
    vendor: spec.vendor,
    model: spec.model,
    site: spec.site,
    tags: { lab: 'devsim', ...(fault && { fault }) },
  };
}

/** JSON: an array of rows. CSV: a header, then a row per device, tags as `key=value;key=value`. */
export function formatInventory(devices: readonly SimDevice[], format: 'csv' | 'json'): string {
  const rows = devices.map(inventoryRow);
  if (format === 'json') return `${JSON.stringify(rows, null, 2)}\n`;
  return stringify(
    rows.map((r) => ({
      ...r,
      tags: Object.entries(r.tags)
        .map(([k, v]) => `${k}=${v}`)
        .join(';'),
    })),
    { header: true, columns: [...INVENTORY_COLUMNS] },
  );
}
