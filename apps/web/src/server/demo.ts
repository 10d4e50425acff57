import type { Identity, NetAutoRuntime } from '@netauto/api';
import { fleet, startLab } from '@netauto/devsim';
import type { DeviceCreate, GroupCreate, TemplateCreate } from '@netauto/schema';

/** What `pnpm start --demo` adds: simulated devices, the inventory, groups and templates. */
export interface Demo {
  devices: number;
  stop(): Promise<void>;
}

const TEMPLATES: TemplateCreate[] = [
  {
    name: 'show version',
    body: 'show version',
    notes: 'Software version, uptime and model.',
  },
  {
    name: 'interfaces',
    body: 'show ip interface brief',
    notes: 'Interface addresses and states (Cisco and Arista).',
  },
  {
    name: 'echo',
    body: 'echo {{message}}',
    variables: {
      message: { type: 'string', required: true, description: 'What the host should print.' },
    },
    notes: 'Linux hosts print the message back.',
  },
  {
    name: 'save configuration',
    body: 'write memory',
    mode: 'change',
    notes: 'Saves the running configuration (Cisco IOS and Arista).',
  },
];

/**
 * Starts `count` simulated devices (several platforms and sites, one in ten faulty) on
 * free loopback ports and fills the inventory with them, plus a group per site and a few
 * templates. Safe to run at every start: rows are matched by name and updated.
 */
export async function startDemo(
  runtime: NetAutoRuntime,
  count: number,
  log: (line: string) => void,
): Promise<Demo> {
  const lab = await startLab({ devices: fleet({ count, faults: 0.1 }) });
  try {
    const { services } = runtime;
    const admin = (await services.users.list({ role: 'admin', disabled: false }))[0];
    if (!admin) throw new Error('the demo needs an admin; none is active');
    const actor: Identity = { user: admin, via: 'session', readOnly: false };

    const rows = JSON.parse(lab.inventory('json')) as DeviceCreate[];
    const imported = await services.devices.import(actor, rows);
    // A simulated device makes a new host key each time it starts, at a new port: the
    // keys recorded for it and the keys its rows were pinned to are gone.
    await services.access.renewHostKeys(
      actor,
      lab.devices.map((d) => ({ host: d.host, port: d.port })),
      imported.ids,
    );

    const bySite = new Map<string, number[]>();
    for (const row of rows) {
      const device = await services.devices.findByHostname(row.hostname, row.site ?? null);
      if (row.site && device) bySite.set(row.site, [...(bySite.get(row.site) ?? []), device.id]);
    }
    log(`demo: ${imported.created} devices added, ${imported.updated} updated`);
    const groups = await services.groups.list(undefined);
    for (const [site, ids] of [...bySite].sort(([a], [b]) => a.localeCompare(b))) {
      const wanted: GroupCreate = {
        name: `${site} devices`,
        description: `Every simulated device at ${site}.`,
        site,
      };
      const group =
        groups.find((g) => g.name === wanted.name) ?? (await services.groups.create(actor, wanted));
      const members = new Set((await services.groups.members(group.id)).map((m) => m.deviceId));
      for (const [n, deviceId] of ids.entries()) {
        if (members.has(deviceId)) continue;
        await services.groups.addMember(actor, {
          groupId: group.id,
          deviceId,
          role: n === 0 ? 'primary' : 'member',
        });
      }
    }

    const templates = await services.templates.list({});
    for (const template of TEMPLATES) {
      if (!templates.some((t) => t.name === template.name)) {
        await services.templates.create(actor, template);
      }
    }
    const faulty = rows.filter((r) => r.tags?.fault).map((r) => `${r.hostname} (${r.tags?.fault})`);
    log(
      `demo: ${rows.length} simulated devices in ${bySite.size} sites (faulty: ${faulty.join(', ') || 'none'})`,
    );
    return { devices: rows.length, stop: () => lab.stop() };
  } catch (error) {
    await lab.stop();
    throw error;
  }
}
