import { MembershipRole } from '@netauto/schema';
import { error, fail, redirect } from '@sveltejs/kit';
import { canOperate } from '$lib/fields';
import { errorPage, idParam, problemOf, textField } from '$lib/server/forms';
import type { Actions, PageServerLoad } from './$types';

function groupId(raw: string): number {
  const id = idParam(raw);
  if (id === undefined) error(404, 'No such group');
  return id;
}

export const load = (async ({ locals, params, url }) => {
  const id = groupId(params.id);
  const group = await locals.api.groups.byId({ id }).catch(errorPage);
  const find = url.searchParams.get('find')?.trim() ?? '';
  const members = new Set(group.members.map((m) => m.deviceId));
  let findProblem: string | null = null;
  const candidates =
    find && canOperate(locals.identity?.user)
      ? await locals.api.devices
          .list({ q: find, limit: 20 })
          .then((page) =>
            page.items
              .filter((d) => !members.has(d.id))
              .map((d) => ({ id: d.id, hostname: d.hostname, ip: d.ip, site: d.site })),
          )
          .catch((e: unknown) => {
            findProblem = problemOf(e).message;
            return [];
          })
      : [];
  return { group, find, candidates, findProblem };
}) satisfies PageServerLoad;

async function membership(
  request: Request,
  run: (deviceId: number, role: 'member' | 'primary') => Promise<unknown>,
) {
  const form = await request.formData();
  const deviceId = idParam(textField(form, 'deviceId') ?? '');
  const role = MembershipRole.safeParse(textField(form, 'role') ?? 'member');
  if (deviceId === undefined || !role.success) {
    return fail(400, { message: 'choose a device and a role', deviceId: deviceId ?? null });
  }
  try {
    await run(deviceId, role.data);
  } catch (e) {
    return fail(problemOf(e).status, { message: problemOf(e).message, deviceId });
  }
  return null;
}

export const actions = {
  add: async ({ request, locals, params, url }) => {
    const id = groupId(params.id);
    const failed = await membership(request, (deviceId, role) =>
      locals.api.groups.members.add({ groupId: id, deviceId, role }),
    );
    if (failed) return failed;
    const find = url.searchParams.get('find');
    redirect(303, `/groups/${id}${find ? `?find=${encodeURIComponent(find)}` : ''}`);
  },
  update: async ({ request, locals, params }) => {
    const id = groupId(params.id);
    const failed = await membership(request, (deviceId, role) =>
      locals.api.groups.members.update({ groupId: id, deviceId, role }),
    );
    if (failed) return failed;
    redirect(303, `/groups/${id}`);
  },
  remove: async ({ request, locals, params }) => {
    const id = groupId(params.id);
    const failed = await membership(request, (deviceId) =>
      locals.api.groups.members.remove({ groupId: id, deviceId }),
    );
    if (failed) return failed;
    redirect(303, `/groups/${id}`);
  },
} satisfies Actions;
