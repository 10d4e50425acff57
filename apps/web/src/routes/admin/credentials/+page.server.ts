import { fail, redirect } from '@sveltejs/kit';
import { formFailure, problemOf, stringField, textField } from '$lib/server/forms';
import type { Actions, PageServerLoad } from './$types';

export const load = (async ({ locals, url }) => {
  const [credentials, environment, settings] = await Promise.all([
    locals.api.admin.credentials.list(),
    locals.api.admin.credentials.environment(),
    locals.api.admin.settings(),
  ]);
  return {
    credentials,
    environment,
    storeReady: settings.credentialStore,
    notice: url.searchParams.has('saved')
      ? 'Credential saved.'
      : url.searchParams.has('scoped')
        ? 'Scope saved.'
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

/** A scope as typed: networks separated by commas, spaces or lines; sites by commas or lines. */
function scopeOf(form: FormData) {
  const split = (text: string, separators: RegExp) =>
    text
      .split(separators)
      .map((s) => s.trim())
      .filter(Boolean);
  return {
    cidrs: split(stringField(form, 'networks'), /[\s,;]+/),
    sites: split(stringField(form, 'sites'), /[\n,;]+/),
  };
}

/** The scope's field errors beside its two fields: `networks` and `sites`. */
function scopeErrors(errors: Record<string, string[]>): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [key, messages] of Object.entries(errors)) {
    const field =
      key === 'scope' || key.startsWith('scope.cidrs')
        ? 'networks'
        : key.startsWith('scope.sites')
          ? 'sites'
          : key;
    (out[field] ??= []).push(...messages);
  }
  return out;
}

export const actions = {
  /** Stores a credential. The form gets back its name, username and scope, never a secret. */
  set: async ({ request, locals }) => {
    const form = await request.formData();
    const name = textField(form, 'name') ?? '';
    const username = textField(form, 'username');
    const values = {
      name,
      username: username ?? '',
      networks: stringField(form, 'networks'),
      sites: stringField(form, 'sites'),
    };
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
        scope: scopeOf(form),
      });
    } catch (e) {
      const problem = problemOf(e);
      return fail(problem.status, {
        action: 'set' as const,
        name: '',
        values,
        errors: scopeErrors(problem.fieldErrors),
        message: problem.message,
      });
    }
    redirect(303, '/admin/credentials?saved=1');
  },
  /** Changes where a stored credential may be used; its secret stays as it is. */
  scope: async ({ request, locals }) => {
    const form = await request.formData();
    const name = textField(form, 'name') ?? '';
    const values = {
      name,
      username: '',
      networks: stringField(form, 'networks'),
      sites: stringField(form, 'sites'),
    };
    try {
      await locals.api.admin.credentials.scope({ name, scope: scopeOf(form) });
    } catch (e) {
      const problem = problemOf(e);
      return fail(problem.status, {
        action: 'scope' as const,
        name,
        values,
        errors: scopeErrors(problem.fieldErrors),
        message: problem.message,
      });
    }
    redirect(303, '/admin/credentials?scoped=1');
  },
  delete: async ({ request, locals }) => {
    const form = await request.formData();
    try {
      await locals.api.admin.credentials.delete({ name: textField(form, 'name') ?? '' });
    } catch (e) {
      return formFailure(e, {
        action: 'delete' as const,
        name: '',
        values: { name: '', username: '', networks: '', sites: '' },
      });
    }
    redirect(303, '/admin/credentials?deleted=1');
  },
} satisfies Actions;
