import { redirect } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';

export const load = (() => {
  redirect(303, '/devices');
}) satisfies PageServerLoad;

export const actions = {
  default: async ({ locals }) => {
    if (locals.identity) await locals.api.auth.logout();
    redirect(303, '/login');
  },
} satisfies Actions;
