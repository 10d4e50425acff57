import { error } from '@sveltejs/kit';
import type { LayoutServerLoad } from './$types';

export const load = (({ locals }) => {
  if (locals.identity?.user.role !== 'admin') error(403, 'Administration needs the admin role.');
  return {};
}) satisfies LayoutServerLoad;
