import { Command, Option, type CommandUnknownOpts } from '@commander-js/extra-typings';
import { confirm } from '@inquirer/prompts';
import {
  GroupCreate,
  GroupPatch,
  MEMBERSHIP_ROLES,
  type GroupMember,
  type Membership,
} from '@netauto/schema';
import type { Context } from '../context.js';
import { CliError, UsageError } from '../errors.js';
import { collectList, collectPairs } from '../options.js';
import { pairsText, when } from '../output.js';
import { resolveDevice, resolveGroup } from '../resolve.js';
import { fieldProblems } from './common.js';

function printMembers(c: Context, members: GroupMember[]) {
  c.out.table(
    ['ID', 'HOSTNAME', 'IP', 'PLATFORM', 'SITE', 'ROLE'],
    members.map((m) => [
      m.device.id,
      m.device.hostname,
      m.device.ip,
      m.device.platform,
      m.device.site,
      m.role,
    ]),
  );
}

function nullable(value: string | undefined): string | null | undefined {
  if (value === undefined) return undefined;
  return value === '' ? null : value;
}

export function groupsCommand(ctx: () => Context): CommandUnknownOpts {
  const groups = new Command('groups').description('device groups and their members');

  groups
    .command('list')
    .description('list groups')
    .option('--q <text>', 'text in the name')
    .action(async (o) => {
      const c = ctx();
      const api = await c.client();
      const list = await api.groups.list.query(o.q ? { q: o.q } : {});
      c.out.emit(list, (items) => {
        c.out.table(
          ['ID', 'NAME', 'SITE', 'MEMBERS', 'TAGS', 'DESCRIPTION'],
          items.map((g) => [g.id, g.name, g.site, g.memberCount, pairsText(g.tags), g.description]),
        );
      });
    });

  groups
    .command('show')
    .description('one group and its members')
    .argument('<group>', 'name or id')
    .action(async (ref) => {
      const c = ctx();
      const api = await c.client();
      const group = await api.groups.byId.query({ id: (await resolveGroup(api, ref)).id });
      c.out.emit(group, (g) => {
        c.out.record([
          ['id', g.id],
          ['name', g.name],
          ['description', g.description],
          ['site', g.site],
          ['tags', pairsText(g.tags)],
          ['members', g.memberCount],
          ['created', when(g.createdAt)],
        ]);
        c.out.write('\n');
        printMembers(c, g.members);
      });
    });

  groups
    .command('add')
    .description('add a group')
    .argument('<name>', 'the group name')
    .option('--description <text>', 'what the group is for')
    .option('--site <site>', 'its site')
    .option('--tag <key=value>', 'a tag (repeatable)', collectPairs('--tag'))
    .action(async (name, o) => {
      const c = ctx();
      const input = {
        name,
        ...(o.description !== undefined && { description: o.description }),
        ...(nullable(o.site) && { site: o.site }),
        ...(o.tag && { tags: Object.fromEntries(o.tag) }),
      };
      const parsed = GroupCreate.safeParse(input);
      if (!parsed.success)
        throw new UsageError(`cannot add group ${name}: ${fieldProblems(parsed.error)}`);
      const api = await c.client();
      const group = await api.groups.create.mutate(input);
      c.out.emit(group, (g) => {
        c.out.success(`added group ${g.name} (id ${g.id})`);
      });
    });

  groups
    .command('edit')
    .description('change a group: only the fields given')
    .argument('<group>', 'name or id')
    .option('--name <name>', 'a new name')
    .option('--description <text>', 'description ("" clears it)')
    .option('--site <site>', 'site ("" clears it)')
    .option('--tag <key=value>', 'a tag to set (repeatable)', collectPairs('--tag'))
    .option('--untag <key>', 'a tag to remove (repeatable)', collectList)
    .action(async (ref, o) => {
      const c = ctx();
      const api = await c.client();
      const group = await resolveGroup(api, ref);
      let tags: Record<string, string> | undefined;
      if (o.tag || o.untag) {
        const untag = new Set(o.untag);
        tags = Object.fromEntries(
          Object.entries({ ...group.tags, ...Object.fromEntries(o.tag ?? []) }).filter(
            ([k]) => !untag.has(k),
          ),
        );
      }
      const patch = {
        ...(o.name !== undefined && { name: o.name }),
        ...(o.description !== undefined && { description: nullable(o.description) }),
        ...(o.site !== undefined && { site: nullable(o.site) }),
        ...(tags && { tags }),
      };
      if (Object.keys(patch).length === 0)
        throw new UsageError('nothing to change: give --name, --description, --site or --tag');
      const parsed = GroupPatch.safeParse(patch);
      if (!parsed.success)
        throw new UsageError(`cannot edit group ${ref}: ${fieldProblems(parsed.error)}`);
      const updated = await api.groups.update.mutate({ id: group.id, patch: parsed.data });
      c.out.emit(updated, (g) => {
        c.out.success(`updated group ${g.name} (id ${g.id})`);
      });
    });

  groups
    .command('rm')
    .description('remove groups (their devices stay)')
    .argument('<groups...>', 'names or ids')
    .option('-y, --yes', 'do not ask')
    .action(async (refs, o) => {
      const c = ctx();
      const api = await c.client();
      const found = [];
      for (const ref of refs) found.push(await resolveGroup(api, ref));
      if (!o.yes && process.stdin.isTTY && process.stderr.isTTY) {
        const ok = await confirm(
          { message: `Remove group ${found.map((g) => g.name).join(', ')}?`, default: false },
          { output: process.stderr },
        );
        if (!ok) throw new CliError('nothing removed');
      }
      const removed = [];
      for (const g of found) removed.push(await api.groups.delete.mutate({ id: g.id }));
      c.out.emit(removed, (list) => {
        for (const g of list) c.out.success(`removed group ${g.name} (id ${g.id})`);
      });
    });

  const members = groups.command('members').description("a group's devices");

  members
    .command('list')
    .description("list a group's devices")
    .argument('<group>', 'name or id')
    .action(async (ref) => {
      const c = ctx();
      const api = await c.client();
      const list = await api.groups.members.list.query({
        groupId: (await resolveGroup(api, ref)).id,
      });
      c.out.emit(list, (items) => {
        printMembers(c, items);
      });
    });

  members
    .command('add')
    .description('add devices to a group')
    .argument('<group>', 'name or id')
    .argument('<devices...>', 'hostnames, hostname@site or ids')
    .addOption(
      new Option('--role <role>', 'their role in the group')
        .choices(MEMBERSHIP_ROLES)
        .default('member' as const),
    )
    .action(async (groupRef, deviceRefs, o) => {
      const c = ctx();
      const api = await c.client();
      const group = await resolveGroup(api, groupRef);
      const added: (Membership & { hostname: string })[] = [];
      for (const ref of deviceRefs) {
        const device = await resolveDevice(api, ref);
        added.push({
          ...(await api.groups.members.add.mutate({
            groupId: group.id,
            deviceId: device.id,
            role: o.role,
          })),
          hostname: device.hostname,
        });
      }
      c.out.emit(
        added.map(({ hostname: _h, ...m }) => m),
        () => {
          c.out.success(`added ${added.map((m) => m.hostname).join(', ')} to ${group.name}`);
        },
      );
    });

  members
    .command('rm')
    .description('remove devices from a group (the devices stay)')
    .argument('<group>', 'name or id')
    .argument('<devices...>', 'hostnames, hostname@site or ids')
    .action(async (groupRef, deviceRefs) => {
      const c = ctx();
      const api = await c.client();
      const group = await resolveGroup(api, groupRef);
      const removed = [];
      const names: string[] = [];
      for (const ref of deviceRefs) {
        const device = await resolveDevice(api, ref);
        removed.push(
          await api.groups.members.remove.mutate({ groupId: group.id, deviceId: device.id }),
        );
        names.push(device.hostname);
      }
      c.out.emit(removed, () => {
        c.out.success(`removed ${names.join(', ')} from ${group.name}`);
      });
    });

  return groups;
}
