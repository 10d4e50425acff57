import {
  Command,
  Option,
  type CommandUnknownOpts,
  type OptionValues,
} from '@commander-js/extra-typings';
import { confirm } from '@inquirer/prompts';
import {
  DEVICE_SORT_FIELDS,
  DeviceCreate,
  DevicePatch,
  PLATFORMS,
  PROTOCOLS,
  type Device,
  type DeviceListInput,
} from '@netauto/schema';
import type { Context } from '../context.js';
import { CliError, FailedError, UsageError } from '../errors.js';
import {
  FORMATS,
  checkRows,
  formatOfName,
  readRecords,
  sniffFormat,
  writeRecords,
  type Format,
} from '../formats.js';
import { readInput, writeOutput } from '../io.js';
import { collectList, collectPairs, positiveInt } from '../options.js';
import { pairsText, when } from '../output.js';
import { collect, resolveDevice, resolveGroup } from '../resolve.js';
import { fieldProblems } from './common.js';

/** The filters `devices list` and `devices export` share. */
function withFilters<A extends unknown[], O extends OptionValues, G extends OptionValues>(
  command: Command<A, O, G>,
) {
  return command
    .option('--q <text>', 'text in hostname, ip, vendor, model, site or tag values')
    .option('--site <site>', 'devices at this site')
    .addOption(new Option('--platform <platform>', 'devices of this platform').choices(PLATFORMS))
    .option('--vendor <vendor>', 'devices of this vendor')
    .addOption(new Option('--protocol <protocol>', 'devices reached over').choices(PROTOCOLS))
    .option('--tag <key[=value]>', 'devices with this tag (repeatable)', collectList)
    .option('--group <group>', 'members of this group (name or id)')
    .option('--cidr <network>', 'devices whose ip is in this network, such as 10.0.0.0/8');
}

interface FilterOptions {
  q?: string | undefined;
  site?: string | undefined;
  platform?: (typeof PLATFORMS)[number] | undefined;
  vendor?: string | undefined;
  protocol?: (typeof PROTOCOLS)[number] | undefined;
  tag?: string[] | undefined;
  group?: string | undefined;
  cidr?: string | undefined;
}

async function filtersOf(c: Context, o: FilterOptions): Promise<DeviceListInput> {
  const api = await c.client();
  return {
    ...(o.q !== undefined && { q: o.q }),
    ...(o.site !== undefined && { site: o.site }),
    ...(o.platform !== undefined && { platform: o.platform }),
    ...(o.vendor !== undefined && { vendor: o.vendor }),
    ...(o.protocol !== undefined && { protocol: o.protocol }),
    ...(o.tag !== undefined && { tags: o.tag }),
    ...(o.group !== undefined && { groupId: (await resolveGroup(api, o.group)).id }),
    ...(o.cidr !== undefined && { cidr: o.cidr }),
  };
}

/** Fields that `devices add` and `devices edit` share. */
function withFields<A extends unknown[], O extends OptionValues, G extends OptionValues>(
  command: Command<A, O, G>,
) {
  return command
    .option('--ip <address>', 'IPv4 or IPv6 address')
    .addOption(new Option('--protocol <protocol>', 'ssh (default) or telnet').choices(PROTOCOLS))
    .option('--port <port>', 'port (default 22 for ssh, 23 for telnet)', positiveInt('--port'))
    .option('--username <name>', 'the user to log in as')
    .option('--cred-ref <ref>', 'where the password lives: env:NAME or db:NAME')
    .addOption(new Option('--platform <platform>', 'the CLI dialect').choices(PLATFORMS))
    .option('--vendor <vendor>', 'vendor ("" clears it)')
    .option('--model <model>', 'model ("" clears it)')
    .option('--site <site>', 'site ("" clears it)')
    .option('--tag <key=value>', 'a tag to set (repeatable)', collectPairs('--tag'));
}

function printDevices(c: Context, devices: Device[]) {
  c.out.table(
    ['ID', 'HOSTNAME', 'IP', 'PLATFORM', 'SITE', 'PORT', 'TAGS'],
    devices.map((d) => [
      d.id,
      d.hostname,
      d.ip,
      d.platform,
      d.site,
      `${d.protocol}/${d.port}`,
      pairsText(d.tags),
    ]),
  );
}

function nullable(value: string | undefined): string | null | undefined {
  if (value === undefined) return undefined;
  return value === '' ? null : value;
}

export function devicesCommand(ctx: () => Context): CommandUnknownOpts {
  const devices = new Command('devices').description(
    'the inventory: list, show, add, edit, remove, import and export devices',
  );

  withFilters(devices.command('list').description('list devices, with filters'))
    .addOption(
      new Option('--sort <field>', 'sort by')
        .choices(DEVICE_SORT_FIELDS)
        .default('hostname' as const),
    )
    .option('--desc', 'sort descending')
    .option('--limit <n>', 'at most this many devices (default 100)', positiveInt('--limit'))
    .option('--all', 'every device that matches')
    .action(async (o) => {
      const c = ctx();
      const api = await c.client();
      const filters = await filtersOf(c, o);
      const max = o.all ? Infinity : (o.limit ?? 100);
      const { items, more } = await collect(
        (cursor) =>
          api.devices.list.query({
            ...filters,
            sort: o.sort,
            dir: o.desc ? 'desc' : 'asc',
            cursor,
            limit: Math.min(500, max),
          }),
        max,
      );
      c.out.emit(items, (list) => {
        printDevices(c, list);
      });
      if (more)
        c.out.info(c.out.err.dim(`first ${items.length} shown: --limit N or --all for more`));
    });

  devices
    .command('show')
    .description('one device, with its groups')
    .argument('<device>', 'hostname, hostname@site or id')
    .action(async (ref) => {
      const c = ctx();
      const api = await c.client();
      const found = await resolveDevice(api, ref);
      const device = await api.devices.byId.query({ id: found.id });
      c.out.emit(device, (d) => {
        c.out.record([
          ['id', d.id],
          ['hostname', d.hostname],
          ['ip', d.ip],
          ['protocol', d.protocol],
          ['port', d.port],
          ['username', d.username],
          ['cred ref', d.credRef],
          ['platform', d.platform],
          ['vendor', d.vendor],
          ['model', d.model],
          ['site', d.site],
          ['tags', pairsText(d.tags)],
          ['metadata', Object.keys(d.metadata).length ? JSON.stringify(d.metadata) : ''],
          [
            'groups',
            d.groups
              .map((g) => (g.role === 'primary' ? `${g.group.name} (primary)` : g.group.name))
              .join(', '),
          ],
          ['created', when(d.createdAt)],
          ['updated', when(d.updatedAt)],
        ]);
      });
    });

  withFields(
    devices.command('add').description('add a device').argument('<hostname>', 'the device name'),
  ).action(async (hostname, o) => {
    const c = ctx();
    const missing = [
      o.ip === undefined && '--ip',
      o.username === undefined && '--username',
      o.credRef === undefined && '--cred-ref',
    ].filter(Boolean);
    if (missing.length > 0)
      throw new UsageError(`cannot add ${hostname}: give ${missing.join(', ')}`);
    const input = {
      hostname,
      ip: o.ip,
      username: o.username,
      credRef: o.credRef,
      ...(o.protocol && { protocol: o.protocol }),
      ...(o.port !== undefined && { port: o.port }),
      ...(o.platform && { platform: o.platform }),
      ...(nullable(o.vendor) && { vendor: o.vendor }),
      ...(nullable(o.model) && { model: o.model }),
      ...(nullable(o.site) && { site: o.site }),
      ...(o.tag && { tags: Object.fromEntries(o.tag) }),
    };
    const parsed = DeviceCreate.safeParse(input);
    if (!parsed.success) {
      throw new UsageError(
        `cannot add ${hostname}: ${fieldProblems(parsed.error, { credRef: '--cred-ref' })}`,
      );
    }
    const api = await c.client();
    const device = await api.devices.create.mutate(input as DeviceCreate);
    c.out.emit(device, (d) => {
      c.out.success(`added ${d.hostname} (id ${d.id})`);
    });
  });

  withFields(
    devices
      .command('edit')
      .description('change a device: only the fields given')
      .argument('<device>', 'hostname, hostname@site or id'),
  )
    .option('--hostname <hostname>', 'a new hostname')
    .option('--untag <key>', 'a tag to remove (repeatable)', collectList)
    .action(async (ref, o) => {
      const c = ctx();
      const api = await c.client();
      const device = await resolveDevice(api, ref);
      let tags: Record<string, string> | undefined;
      if (o.tag || o.untag) {
        const untag = new Set(o.untag);
        tags = Object.fromEntries(
          Object.entries({ ...device.tags, ...Object.fromEntries(o.tag ?? []) }).filter(
            ([k]) => !untag.has(k),
          ),
        );
      }
      const patch = {
        ...(o.hostname !== undefined && { hostname: o.hostname }),
        ...(o.ip !== undefined && { ip: o.ip }),
        ...(o.protocol !== undefined && { protocol: o.protocol }),
        ...(o.port !== undefined && { port: o.port }),
        ...(o.username !== undefined && { username: o.username }),
        ...(o.credRef !== undefined && { credRef: o.credRef }),
        ...(o.platform !== undefined && { platform: o.platform }),
        ...(o.vendor !== undefined && { vendor: nullable(o.vendor) }),
        ...(o.model !== undefined && { model: nullable(o.model) }),
        ...(o.site !== undefined && { site: nullable(o.site) }),
        ...(tags && { tags }),
      };
      if (Object.keys(patch).length === 0) {
        throw new UsageError('nothing to change: give at least one field, such as --ip or --site');
      }
      const parsed = DevicePatch.safeParse(patch);
      if (!parsed.success) {
        throw new UsageError(
          `cannot edit ${ref}: ${fieldProblems(parsed.error, { credRef: '--cred-ref' })}`,
        );
      }
      const updated = await api.devices.update.mutate({ id: device.id, patch: parsed.data });
      c.out.emit(updated, (d) => {
        c.out.success(`updated ${d.hostname} (id ${d.id})`);
      });
    });

  devices
    .command('rm')
    .description('remove devices (their run history stays)')
    .argument('<devices...>', 'hostnames, hostname@site or ids')
    .option('-y, --yes', 'do not ask')
    .action(async (refs, o) => {
      const c = ctx();
      const api = await c.client();
      const found = [];
      for (const ref of refs) found.push(await resolveDevice(api, ref));
      if (!o.yes && process.stdin.isTTY && process.stderr.isTTY) {
        const names = found.map((d) => d.hostname).join(', ');
        const ok = await confirm(
          { message: `Remove ${names}?`, default: false },
          { output: process.stderr },
        );
        if (!ok) throw new CliError('nothing removed');
      }
      const removed = [];
      for (const d of found) removed.push(await api.devices.delete.mutate({ id: d.id }));
      c.out.emit(removed, (list) => {
        for (const d of list) c.out.success(`removed ${d.hostname} (id ${d.id})`);
      });
    });

  devices
    .command('import')
    .description(
      'add or update devices (matched on hostname and site) from CSV, JSON or YAML; nothing is applied when any row is bad, unless --partial',
    )
    .argument('[file]', 'the file, or - for stdin', '-')
    .addOption(
      new Option(
        '--format <format>',
        'the file format (default: from the name or the content)',
      ).choices(FORMATS),
    )
    .option('--partial', 'import the good rows even when some are bad')
    .option('--dry-run', 'check every row, change nothing')
    .action(async (file, o) => {
      const c = ctx();
      const text = await readInput(file);
      const format: Format = o.format ?? formatOfName(file) ?? sniffFormat(text);
      const records = readRecords(text, format);
      if (records.length === 0) throw new CliError('the input holds no devices');
      if (records.length > 100_000)
        throw new CliError('at most 100,000 devices in one import: split the file');
      const rows = checkRows(records);
      const bad = rows.filter((r) => r.errors.length > 0);
      const good = rows.flatMap((r) => (r.device ? [{ row: r.row, device: r.device }] : []));
      const errors = bad.map((r) => ({ row: r.row, hostname: r.hostname, errors: r.errors }));
      for (const r of bad) {
        c.out.info(
          `${c.out.err.red('row')} ${r.row}${r.hostname ? ` (${r.hostname})` : ''}: ${r.errors.join('; ')}`,
        );
      }
      const applying = !o.dryRun && (bad.length === 0 || o.partial === true) && good.length > 0;
      let result = { created: 0, updated: 0, ids: [] as number[] };
      if (applying) {
        const api = await c.client();
        result = await api.devices.import.mutate({ devices: good.map((g) => g.device) });
      }
      c.out.emit({ ...result, errors }, () => {
        if (applying) {
          c.out.success(
            `imported ${good.length} device${good.length === 1 ? '' : 's'}: ${result.created} created, ${result.updated} updated`,
          );
        } else if (o.dryRun) {
          c.out.info(
            `dry run: ${good.length} good row${good.length === 1 ? '' : 's'}, ${bad.length} bad; nothing changed`,
          );
        }
      });
      if (bad.length > 0) {
        if (applying) {
          throw new FailedError(
            `${bad.length} bad row${bad.length === 1 ? '' : 's'} skipped: fix them and import them again`,
          );
        }
        throw new FailedError(
          `${bad.length} of ${rows.length} rows are bad, nothing imported: fix them, or import the good ones with --partial`,
        );
      }
    });

  withFilters(
    devices
      .command('export')
      .description('write devices as CSV, JSON or YAML, as `devices import` reads them')
      .argument('[file]', 'the file, or - for stdout', '-'),
  )
    .addOption(
      new Option('--format <format>', 'the format (default: from the name, else csv)').choices(
        FORMATS,
      ),
    )
    .action(async (file, o) => {
      const c = ctx();
      const api = await c.client();
      const filters = await filtersOf(c, o);
      const format: Format = o.format ?? formatOfName(file) ?? (c.json ? 'json' : 'csv');
      const { items } = await collect((cursor) =>
        api.devices.list.query({ ...filters, cursor, limit: 500 }),
      );
      await writeOutput(file, writeRecords(items, format));
      if (file !== '-')
        c.out.success(`wrote ${items.length} device${items.length === 1 ? '' : 's'} to ${file}`);
    });

  return devices;
}
