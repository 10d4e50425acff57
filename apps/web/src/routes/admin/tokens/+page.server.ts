import { fail, redirect } from '@sveltejs/kit';
import { formFailure, idParam, problemOf, textField, valuesOf } from '$lib/server/forms';
import type { Actions, PageServerLoad } from './$types';

export const load = (async ({ locals }) => {
  const [tokens, users] = await Promise.all([
    locals.api.admin.tokens.list({}),
    locals.api.admin.users.list({ disabled: false }),
  ]);
  return { tokens, users: users.map((u) => ({ id: u.id, email: u.email })) };
}) satisfies PageServerLoad;

const NO_VALUES: Record<string, string> = {};
const NO_ERRORS: Record<string, string[]> = {};

export const actions = {
  /** The token is in this one response, never stored in the clear and never shown again. */
  create: async ({ request, locals }) => {
    const form = await request.formData();
    const days = textField(form, 'expiresInDays');
    try {
      const created = await locals.api.admin.tokens.create({
        userId: idParam(textField(form, 'userId') ?? '') ?? 0,
        name: textField(form, 'name') ?? '',
        readOnly: form.get('readOnly') === 'on',
        ...(days && { expiresInDays: /^\d+$/.test(days) ? Number(days) : -1 }),
      });
      return {
        action: 'create' as const,
        created: {
          token: created.token,
          name: created.apiToken.name,
          prefix: created.apiToken.prefix,
        },
        values: NO_VALUES,
        errors: NO_ERRORS,
        message: undefined,
      };
    } catch (e) {
      return formFailure(e, {
        action: 'create' as const,
        created: null,
        values: valuesOf(form),
      });
    }
  },
  revoke: async ({ request, locals }) => {
    const form = await request.formData();
    try {
      await locals.api.admin.tokens.revoke({ id: idParam(textField(form, 'id') ?? '') ?? 0 });
    } catch (e) {
      const problem = problemOf(e);
      return fail(problem.status, {
        action: 'revoke' as const,
        created: null,
        values: NO_VALUES,
        errors: NO_ERRORS,
        message: problem.message,
      });
    }
    redirect(303, '/admin/tokens');
  },
} satisfies Actions;
