import { error, fail, redirect } from '@sveltejs/kit';
import { errorPage, idParam, problemOf } from '$lib/server/forms';
import type { Actions, PageServerLoad } from './$types';

export const load = (async ({ locals, params }) => {
  const id = idParam(params.id);
  if (id === undefined) error(404, 'No such group');
  const group = await locals.api.groups.byId({ id }).catch(errorPage);
  return { group: { id: group.id, name: group.name, members: group.members.length } };
}) satisfies PageServerLoad;

export const actions = {
  default: async ({ locals, params }) => {
    const id = idParam(params.id);
    if (id === undefined) error(404, 'No such group');
    try {
      await locals.api.groups.delete({ id });
    } catch (e) {
      const problem = problemOf(e);
      return fail(problem.status, { message: problem.message });
    }
    redirect(303, '/groups');
  },
} satisfies Actions;
