import { fail, redirect } from '@sveltejs/kit';
import { formFailure } from '$lib/server/forms';
import {
  submittedTemplateValues,
  templateInput,
  templateValuesOf,
} from '$lib/server/template-form';
import type { Actions, PageServerLoad } from './$types';

export const load = (() => ({ values: templateValuesOf() })) satisfies PageServerLoad;

export const actions = {
  default: async ({ request, locals }) => {
    const form = await request.formData();
    const parsed = templateInput(form);
    const values = submittedTemplateValues(form);
    if (!parsed.ok) {
      return fail(400, {
        values,
        errors: parsed.errors,
        message: 'Please correct the fields marked below.',
      });
    }
    let id: number;
    try {
      id = (await locals.api.templates.create(parsed.input)).id;
    } catch (e) {
      return formFailure(e, { values });
    }
    redirect(303, `/templates/${id}?saved=1`);
  },
} satisfies Actions;
