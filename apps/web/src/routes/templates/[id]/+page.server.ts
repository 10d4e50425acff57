import { error, fail, redirect } from '@sveltejs/kit';
import { errorPage, formFailure, idParam } from '$lib/server/forms';
import {
  submittedTemplateValues,
  templateInput,
  templateValuesOf,
} from '$lib/server/template-form';
import type { Actions, PageServerLoad } from './$types';

function templateId(raw: string): number {
  const id = idParam(raw);
  if (id === undefined) error(404, 'No such template');
  return id;
}

export const load = (async ({ locals, params, url }) => {
  const template = await locals.api.templates.byId({ id: templateId(params.id) }).catch(errorPage);
  return {
    template: {
      id: template.id,
      name: template.name,
      mode: template.mode,
      enabled: template.enabled,
    },
    values: templateValuesOf(template),
    saved: url.searchParams.has('saved'),
  };
}) satisfies PageServerLoad;

export const actions = {
  default: async ({ request, locals, params }) => {
    const id = templateId(params.id);
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
    try {
      await locals.api.templates.update({ id, patch: parsed.input });
    } catch (e) {
      return formFailure(e, { values }, 'patch.');
    }
    redirect(303, `/templates/${id}?saved=1`);
  },
} satisfies Actions;
