import { fail, redirect } from '@sveltejs/kit';
import { problemOf, textField } from '$lib/server/forms';
import type { Actions, PageServerLoad } from './$types';

export const load = (async ({ locals, url }) => {
  const keys = await locals.api.admin.hostKeys.list();
  // Changed keys first: they hold runs up.
  keys.sort(
    (a, b) => Number(b.pendingFingerprint !== null) - Number(a.pendingFingerprint !== null),
  );
  return {
    keys,
    notice: url.searchParams.has('accepted')
      ? 'New key trusted.'
      : url.searchParams.has('forgotten')
        ? 'Key forgotten: the next connection records the key it sees.'
        : null,
  };
}) satisfies PageServerLoad;

function refOf(form: FormData) {
  const port = Number(textField(form, 'port') ?? '');
  return { host: textField(form, 'host') ?? '', port };
}

export const actions = {
  accept: async ({ request, locals }) => {
    const form = await request.formData();
    try {
      await locals.api.admin.hostKeys.accept({
        ...refOf(form),
        fingerprint: textField(form, 'fingerprint') ?? '',
      });
    } catch (e) {
      return fail(problemOf(e).status, { message: problemOf(e).message });
    }
    redirect(303, '/admin/hostkeys?accepted=1');
  },
  forget: async ({ request, locals }) => {
    const form = await request.formData();
    try {
      await locals.api.admin.hostKeys.forget(refOf(form));
    } catch (e) {
      return fail(problemOf(e).status, { message: problemOf(e).message });
    }
    redirect(303, '/admin/hostkeys?forgotten=1');
  },
} satisfies Actions;
