import { fail, redirect } from '@sveltejs/kit';
import { formFailure, problemOf, stringField, textField } from '$lib/server/forms';
import type { Actions, PageServerLoad } from './$types';

export const load = (async ({ locals, url }) => {
  const [credentials, settings] = await Promise.all([
    locals.api.admin.credentials.list(),
    locals.api.admin.settings(),
  ]);
  return {
    credentials,
    storeReady: settings.credentialStore,
    notice: url.searchParams.has('saved')
      ? 'Credential saved.'
      : url.searchParams.has('deleted')
        ? 'Credential deleted.'
        : null,
  };
}) satisfies PageServerLoad;

/** A secret field: as typed (spaces may matter), empty is not given. */
function secretField(form: FormData, name: string): string | undefined {
  const v = stringField(form, name);
  return v === '' ? undefined : v;
}

export const actions = {
  /** Stores a credential. The form gets back its name and username only, never a secret. */
  set: async ({ request, locals }) => {
    const form = await request.formData();
    const name = textField(form, 'name') ?? '';
    const username = textField(form, 'username');
    try {
      await locals.api.admin.credentials.set({
        name,
        ...(username && { username }),
        ...(secretField(form, 'password') && { password: secretField(form, 'password') }),
        ...(secretField(form, 'privateKey') && { privateKey: secretField(form, 'privateKey') }),
        ...(secretField(form, 'passphrase') && { passphrase: secretField(form, 'passphrase') }),
        ...(secretField(form, 'enableSecret') && {
          enableSecret: secretField(form, 'enableSecret'),
        }),
      });
    } catch (e) {
      return formFailure(e, {
        action: 'set' as const,
        values: { name, username: username ?? '' },
      });
    }
    redirect(303, '/admin/credentials?saved=1');
  },
  delete: async ({ request, locals }) => {
    const form = await request.formData();
    try {
      await locals.api.admin.credentials.delete({ name: textField(form, 'name') ?? '' });
    } catch (e) {
      const problem = problemOf(e);
      return fail(problem.status, {
        action: 'delete' as const,
        values: { name: '', username: '' },
        errors: {},
        message: problem.message,
      });
    }
    redirect(303, '/admin/credentials?deleted=1');
  },
} satisfies Actions;
