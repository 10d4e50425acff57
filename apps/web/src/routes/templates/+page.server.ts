import type { PageServerLoad } from './$types';

export const load = (async ({ locals }) => ({
  templates: await locals.api.templates.list({}),
})) satisfies PageServerLoad;
