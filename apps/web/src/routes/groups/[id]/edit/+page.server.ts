import { error, redirect } from '@sveltejs/kit';
import { errorPage, formFailure, idParam, textField, valuesOf } from '$lib/server/forms';
import type { Actions, PageServerLoad } from './$types';

function groupId(raw: string): number {
  const id = idParam(raw);
  if (id === undefined) error(404, 'No such group');
  return id;
}

export const load = (async ({ locals, params }) => {
  const group = await locals.api.groups.byId({ id: groupId(params.id) }).catch(errorPage);
  return {
    group: { id: group.id, name: group.name },
    values: { name: group.name, description: group.description ?? '', site: group.site ?? '' },
  };
}) satisfies PageServerLoad;

export const actions = {
  default: async ({ request, locals, params }) => {
    const id = groupId(params.id);
    const form = await request.formData();
    try {
      await locals.api.groups.update({
        id,
        patch: {
          name: textField(form, 'name') ?? '',
          description: textField(form, 'description') ?? null,
          site: textField(form, 'site') ?? null,
        },
      });
    } catch (e) {
      return formFailure(e, { values: valuesOf(form) });
    }
    redirect(303, `/groups/${id}`);
  },
} satisfies Actions;
