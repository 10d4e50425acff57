import { error, fail, redirect } from '@sveltejs/kit';
import { errorPage, idParam, problemOf } from '$lib/server/forms';
import type { Actions, PageServerLoad } from './$types';

export const load = (async ({ locals, params }) => {
  const id = idParam(params.id);
  if (id === undefined) error(404, 'No such device');
  const [device, runs] = await Promise.all([
    locals.api.devices.byId({ id }),
    locals.api.runs.list({ deviceId: id, limit: 1 }),
  ]).catch(errorPage);
  return {
    device: { id: device.id, hostname: device.hostname, site: device.site, ip: device.ip },
    groups: device.groups.map((g) => ({ id: g.group.id, name: g.group.name })),
    hasRuns: runs.items.length > 0,
  };
}) satisfies PageServerLoad;

export const actions = {
  default: async ({ locals, params }) => {
    const id = idParam(params.id);
    if (id === undefined) error(404, 'No such device');
    let hostname: string;
    try {
      hostname = (await locals.api.devices.delete({ id })).hostname;
    } catch (e) {
      const problem = problemOf(e);
      return fail(problem.status, { message: problem.message });
    }
    redirect(303, `/devices?deleted=${encodeURIComponent(hostname)}`);
  },
} satisfies Actions;
