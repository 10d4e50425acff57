import { redirect } from '@sveltejs/kit';
import { createInput, formValuesOf, submittedValues } from '$lib/server/device-form';
import { formFailure } from '$lib/server/forms';
import type { Actions, PageServerLoad } from './$types';

export const load = (() => ({ values: formValuesOf() })) satisfies PageServerLoad;

export const actions = {
  default: async ({ request, locals }) => {
    const form = await request.formData();
    let id: number;
    try {
      id = (await locals.api.devices.create(createInput(form))).id;
    } catch (error) {
      return formFailure(error, { values: submittedValues(form) });
    }
    redirect(303, `/devices/${id}?created=1`);
  },
} satisfies Actions;
