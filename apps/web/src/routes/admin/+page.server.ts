import { redirect } from '@sveltejs/kit';
import type { PageServerLoad } from './$types';

export const load = (() => {
  redirect(307, '/admin/users');
}) satisfies PageServerLoad;
