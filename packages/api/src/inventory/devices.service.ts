import { type Database, repositories } from '@netauto/db';
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

export class DevicesService {
  constructor(private readonly db: Database) {}

  list(input: DeviceListInput): Promise<DevicePage> {
    return repositories(this.db).devices.list(input);
  }

  count(input: DeviceListInput): Promise<number> {
    return repositories(this.db).devices.count(input);
  }

  async byId(id: number): Promise<Device & { groups: DeviceGroupLink[] }> {
    const repos = repositories(this.db);
    const device = await repos.devices.get(id);
    return { ...device, groups: await repos.groups.groupsOfDevice(id) };
  }

  create(actor: Identity, input: DeviceCreate): Promise<Device> {
    return audited(
      this.db,
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
      this.db,
      actorOf(actor),
      'devices.update',
      (repos) => repos.devices.update(id, patch),
      (d) => ({ type: 'device', id: d.id, summary: { hostname: d.hostname, changed: patch } }),
    );
  }

  delete(actor: Identity, id: number): Promise<Device> {
    return audited(
      this.db,
      actorOf(actor),
      'devices.delete',
      (repos) => repos.devices.delete(id),
      (d) => ({ type: 'device', id: d.id, summary: { hostname: d.hostname, site: d.site } }),
    );
  }

  /** Creates or updates many devices at once: all of them, or none. */
  import(actor: Identity, rows: DeviceCreate[]): Promise<UpsertResult> {
    return audited(
      this.db,
      actorOf(actor),
      'devices.import',
      (repos) => repos.devices.upsertMany(rows),
      (r) => ({ type: 'device', id: null, summary: { created: r.created, updated: r.updated } }),
    );
  }
}
