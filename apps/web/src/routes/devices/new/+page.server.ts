import { fail, redirect } from '@sveltejs/kit';
import { createInput, formValuesOf, submittedValues } from '$lib/server/device-form';
import { problemOf } from '$lib/server/forms';
import type { Actions, PageServerLoad } from './$types';

export const load = (() => ({ values: formValuesOf() })) satisfies PageServerLoad;

export const actions = {
  default: async ({ request, locals }) => {
    const form = await request.formData();
    let id: number;
    try {
      id = (await locals.api.devices.create(createInput(form))).id;
    } catch (error) {
      const problem = problemOf(error);
      return fail(problem.status, {
        values: submittedValues(form),
        errors: problem.fieldErrors,
        message: problem.message,
      });
    }
    redirect(303, `/devices/${id}?created=1`);
  },
} satisfies Actions;
