import { redirect } from '@sveltejs/kit';
import { formFailure, problemOf, textField, valuesOf } from '$lib/server/forms';
import type { Actions, PageServerLoad } from './$types';

export const load = (async ({ locals, url }) => {
  const q = url.searchParams.get('q')?.trim() ?? '';
  try {
    return { groups: await locals.api.groups.list(q ? { q } : {}), q, problem: null };
  } catch (e) {
    // A search the API refuses (too long, say) is said on the page, not a server error.
    return { groups: [], q, problem: problemOf(e).message };
  }
}) satisfies PageServerLoad;

export const actions = {
  create: async ({ request, locals }) => {
    const form = await request.formData();
    let id: number;
    try {
      id = (
        await locals.api.groups.create({
          name: textField(form, 'name') ?? '',
          description: textField(form, 'description') ?? null,
          site: textField(form, 'site') ?? null,
        })
      ).id;
    } catch (e) {
      return formFailure(e, { values: valuesOf(form) });
    }
    redirect(303, `/groups/${id}`);
  },
} satisfies Actions;
