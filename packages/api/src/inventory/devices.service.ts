import type {
  Device,
  DeviceCreate,
  DeviceGroupLink,
  DeviceListInput,
  DevicePage,
  DevicePatch,
  UpsertResult,
} from '@netauto/schema';
import { actorOf, audited } from '../audit/audit.js';
import type { Identity } from '../context.js';
import type { Store, Uses } from '../store.js';

/** What the devices service reads and writes. */
export type DevicesRepos = Uses<{
  devices:
    'list' | 'count' | 'get' | 'findByHostname' | 'create' | 'update' | 'delete' | 'upsertMany';
  groups: 'groupsOfDevice';
  audit: 'record';
}>;

export class DevicesService {
  constructor(private readonly store: Store<DevicesRepos>) {}

  list(input: DeviceListInput): Promise<DevicePage> {
    return this.store.repos.devices.list(input);
  }

  count(input: DeviceListInput): Promise<number> {
    return this.store.repos.devices.count(input);
  }

  async byId(id: number): Promise<Device & { groups: DeviceGroupLink[] }> {
    const repos = this.store.repos;
    const device = await repos.devices.get(id);
    return { ...device, groups: await repos.groups.groupsOfDevice(id) };
  }

  /** The device with this hostname at this site (no site: one without a site), if any. */
  findByHostname(hostname: string, site: string | null): Promise<Device | undefined> {
    return this.store.repos.devices.findByHostname(hostname, site);
  }

  create(actor: Identity, input: DeviceCreate): Promise<Device> {
    return audited(
      this.store,
      actorOf(actor),
      'devices.create',
      (repos) => repos.devices.create(input),
      (d) => ({
        type: 'device',
        id: d.id,
        summary: { hostname: d.hostname, site: d.site, ip: d.ip },
      }),
    );
  }

  update(actor: Identity, id: number, patch: DevicePatch): Promise<Device> {
    return audited(
      this.store,
      actorOf(actor),
      'devices.update',
      (repos) => repos.devices.update(id, patch),
      (d) => ({ type: 'device', id: d.id, summary: { hostname: d.hostname, changed: patch } }),
    );
  }

  delete(actor: Identity, id: number): Promise<Device> {
    return audited(
      this.store,
      actorOf(actor),
      'devices.delete',
      (repos) => repos.devices.delete(id),
      (d) => ({ type: 'device', id: d.id, summary: { hostname: d.hostname, site: d.site } }),
    );
  }

  /** Creates or updates many devices at once: all of them, or none. */
  import(actor: Identity, rows: DeviceCreate[]): Promise<UpsertResult> {
    return audited(
      this.store,
      actorOf(actor),
      'devices.import',
      (repos) => repos.devices.upsertMany(rows),
      (r) => ({ type: 'device', id: null, summary: { created: r.created, updated: r.updated } }),
    );
  }
}
