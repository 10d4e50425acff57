import type { NetAutoClient } from '@netauto/client';
import type { Device, Group, Template, User } from '@netauto/schema';
import { CliError } from './errors.js';

const ID = /^\d{1,10}$/;

/** Every page of a cursor-paged list, up to `max` items. */
export async function collect<T>(
  page: (cursor: string | undefined) => Promise<{ items: T[]; nextCursor: string | null }>,
  max = Infinity,
): Promise<{ items: T[]; more: boolean }> {
  const items: T[] = [];
  let cursor: string | undefined;
  for (;;) {
    const result = await page(cursor);
    items.push(...result.items);
    if (!result.nextCursor) return { items, more: false };
    if (items.length >= max) return { items: items.slice(0, max), more: true };
    cursor = result.nextCursor;
  }
}

/** A device by id, `hostname` or `hostname@site`. */
export async function resolveDevice(api: NetAutoClient, ref: string): Promise<Device> {
  if (ID.test(ref)) return api.devices.byId.query({ id: Number(ref) });
  const at = ref.lastIndexOf('@');
  const hostname = at === -1 ? ref : ref.slice(0, at);
  const site = at === -1 ? undefined : ref.slice(at + 1);
  const { items } = await collect((cursor) =>
    api.devices.list.query({ q: hostname, ...(site && { site }), cursor, limit: 500 }),
  );
  const matches = items.filter((d) => d.hostname.toLowerCase() === hostname.toLowerCase());
  const exact = matches.filter((d) => d.hostname === hostname);
  const found = exact.length > 0 ? exact : matches;
  if (found.length === 0) {
    throw new CliError(
      `no device named ${ref}: see \`netauto devices list --q ${hostname}\` for the names`,
    );
  }
  if (found.length > 1) {
    const sites = found.map((d) => d.site ?? '(no site)').join(', ');
    throw new CliError(
      `${found.length} devices are named ${hostname} (sites ${sites}): name one as ${hostname}@SITE or by id`,
    );
  }
  return found[0] as Device;
}

export async function resolveGroup(api: NetAutoClient, ref: string): Promise<Group> {
  const byName = (await api.groups.list.query({ q: ref })).filter((g) => g.name === ref);
  if (byName[0]) return byName[0];
  if (ID.test(ref)) {
    const { members: _members, ...group } = await api.groups.byId.query({ id: Number(ref) });
    return group;
  }
  const loose = (await api.groups.list.query({ q: ref })).filter(
    (g) => g.name.toLowerCase() === ref.toLowerCase(),
  );
  if (loose.length === 1 && loose[0]) return loose[0];
  throw new CliError(`no group named ${ref}: see \`netauto groups list\` for the names`);
}

export async function resolveTemplate(api: NetAutoClient, ref: string): Promise<Template> {
  const list = await api.templates.list.query({ q: ref });
  const exact = list.find((t) => t.name === ref);
  if (exact) return exact;
  if (ID.test(ref)) return api.templates.byId.query({ id: Number(ref) });
  const loose = list.filter((t) => t.name.toLowerCase() === ref.toLowerCase());
  if (loose.length === 1 && loose[0]) return loose[0];
  throw new CliError(`no template named ${ref}: see \`netauto templates list\` for the names`);
}

/** A user by id or e-mail (admins only). */
export async function resolveUser(api: NetAutoClient, ref: string): Promise<User> {
  if (ID.test(ref)) return api.admin.users.byId.query({ id: Number(ref) });
  const found = (await api.admin.users.list.query({ q: ref })).find(
    (u) => u.email.toLowerCase() === ref.toLowerCase(),
  );
  if (!found) throw new CliError(`no user ${ref}: see \`netauto users list\``);
  return found;
}
