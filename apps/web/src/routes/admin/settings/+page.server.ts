import type { PageServerLoad } from './$types';

export const load = (async ({ locals }) => {
  const [settings, retention] = await Promise.all([
    locals.api.admin.settings(),
    locals.api.admin.retention.preview(),
  ]);
  return { settings, retention };
}) satisfies PageServerLoad;
