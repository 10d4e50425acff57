import { error, fail, redirect } from '@sveltejs/kit';
import { canOperate } from '$lib/fields';
import { errorPage, idParam, problemOf } from '$lib/server/forms';
import type { Actions, PageServerLoad } from './$types';

function bulkId(raw: string): number {
  const id = idParam(raw);
  if (id === undefined) error(404, 'No such bulk run');
  return id;
}

export const load = (async ({ locals, params, url }) => {
  const id = bulkId(params.id);
  const summary = await locals.api.bulks
    .summary({ id, devicesPerGroup: 50, groups: 20 })
    .catch(errorPage);
  const retried = url.searchParams.get('retried');
  return {
    summary,
    operator: canOperate(locals.identity?.user),
    notice:
      retried !== null
        ? `Retrying ${retried} failed ${retried === '1' ? 'device' : 'devices'}.`
        : url.searchParams.has('canceled')
          ? 'Bulk run canceled.'
          : null,
  };
}) satisfies PageServerLoad;

export const actions = {
  retry: async ({ locals, params, request }) => {
    const id = bulkId(params.id);
    const form = await request.formData();
    let runs: number;
    try {
      ({ runs } = await locals.api.bulks.retryFailed({
        id,
        includeCanceled: form.get('includeCanceled') === 'yes',
      }));
    } catch (e) {
      return fail(problemOf(e).status, { message: problemOf(e).message });
    }
    redirect(303, `/bulks/${id}?retried=${runs}`);
  },
  cancel: async ({ locals, params }) => {
    const id = bulkId(params.id);
    try {
      await locals.api.bulks.cancel({ id });
    } catch (e) {
      return fail(problemOf(e).status, { message: problemOf(e).message });
    }
    redirect(303, `/bulks/${id}?canceled=1`);
  },
} satisfies Actions;
