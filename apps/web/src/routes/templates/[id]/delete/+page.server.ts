import { error, fail, redirect } from '@sveltejs/kit';
import { errorPage, idParam, problemOf } from '$lib/server/forms';
import type { Actions, PageServerLoad } from './$types';

export const load = (async ({ locals, params }) => {
  const id = idParam(params.id);
  if (id === undefined) error(404, 'No such template');
  const template = await locals.api.templates.byId({ id }).catch(errorPage);
  return { template: { id: template.id, name: template.name, mode: template.mode } };
}) satisfies PageServerLoad;

export const actions = {
  default: async ({ locals, params }) => {
    const id = idParam(params.id);
    if (id === undefined) error(404, 'No such template');
    try {
      await locals.api.templates.delete({ id });
    } catch (e) {
      const problem = problemOf(e);
      return fail(problem.status, { message: problem.message });
    }
    redirect(303, '/templates');
  },
} satisfies Actions;
