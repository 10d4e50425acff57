import { USER_ROLES, type UserRole } from '@netauto/schema';
import { fail, redirect } from '@sveltejs/kit';
import { idParam, problemOf, stringField, textField, valuesOf } from '$lib/server/forms';
import type { Actions, PageServerLoad } from './$types';

const NOTICES: Record<string, string> = {
  added: 'User added.',
  changed: 'User changed.',
  reset: 'Password reset: their sessions and API tokens have ended.',
};

export const load = (async ({ locals, url }) => {
  const users = await locals.api.admin.users.list({});
  const done = url.searchParams.get('done');
  return { users, roles: USER_ROLES, notice: done ? (NOTICES[done] ?? null) : null };
}) satisfies PageServerLoad;

const roleOf = (v: string | undefined): UserRole | undefined =>
  (USER_ROLES as readonly string[]).includes(v ?? '') ? (v as UserRole) : undefined;

function failed(action: string, form: FormData, e: unknown, id?: number) {
  const problem = problemOf(e);
  const values = valuesOf(form);
  delete values.password;
  return fail(problem.status, {
    action,
    id,
    values,
    errors: problem.fieldErrors,
    message: problem.message,
  });
}

export const actions = {
  create: async ({ request, locals }) => {
    const form = await request.formData();
    try {
      await locals.api.admin.users.create({
        email: textField(form, 'email') ?? '',
        password: stringField(form, 'password'),
        role: roleOf(textField(form, 'role')) ?? 'viewer',
      });
    } catch (e) {
      return failed('create', form, e);
    }
    redirect(303, '/admin/users?done=added');
  },
  update: async ({ request, locals }) => {
    const form = await request.formData();
    const id = idParam(textField(form, 'id') ?? '') ?? 0;
    const disabled = textField(form, 'disabled');
    try {
      await locals.api.admin.users.update({
        id,
        ...(roleOf(textField(form, 'role')) && { role: roleOf(textField(form, 'role')) }),
        ...(disabled !== undefined && { disabled: disabled === 'true' }),
      });
    } catch (e) {
      return failed('update', form, e, id);
    }
    redirect(303, '/admin/users?done=changed');
  },
  reset: async ({ request, locals }) => {
    const form = await request.formData();
    const id = idParam(textField(form, 'id') ?? '') ?? 0;
    try {
      await locals.api.admin.users.resetPassword({ id, password: stringField(form, 'password') });
    } catch (e) {
      return failed('reset', form, e, id);
    }
    redirect(303, '/admin/users?done=reset');
  },
} satisfies Actions;
