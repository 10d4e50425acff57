import { error } from '@sveltejs/kit';
import { canOperate } from '$lib/fields';
import { errorPage, idParam } from '$lib/server/forms';
import type { PageServerLoad } from './$types';

export const load = (async ({ locals, params }) => {
  const id = idParam(params.id);
  if (id === undefined) error(404, 'No such run');
  const run = await locals.api.runs.byId({ id }).catch(errorPage);
  return {
    run,
    device: run.device ? { id: run.device.id, hostname: run.device.hostname } : null,
    template: run.template ? { id: run.template.id, name: run.template.name } : null,
    canCancel: canOperate(locals.identity?.user),
  };
}) satisfies PageServerLoad;
