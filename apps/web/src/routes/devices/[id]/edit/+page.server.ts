import { error, redirect } from '@sveltejs/kit';
import { formValuesOf, patchInput, submittedValues } from '$lib/server/device-form';
import { errorPage, formFailure, idParam } from '$lib/server/forms';
import type { Actions, PageServerLoad } from './$types';

export const load = (async ({ locals, params }) => {
  const id = idParam(params.id);
  if (id === undefined) error(404, 'No such device');
  const device = await locals.api.devices.byId({ id }).catch(errorPage);
  return { device: { id: device.id, hostname: device.hostname }, values: formValuesOf(device) };
}) satisfies PageServerLoad;

export const actions = {
  default: async ({ request, locals, params }) => {
    const id = idParam(params.id);
    if (id === undefined) error(404, 'No such device');
    const form = await request.formData();
    try {
      await locals.api.devices.update({ id, patch: patchInput(form) });
    } catch (e) {
      return formFailure(e, { values: submittedValues(form) }, 'patch.');
    }
    redirect(303, `/devices/${id}?saved=1`);
  },
} satisfies Actions;
