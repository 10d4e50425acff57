import type { LayoutServerLoad } from './$types';

export const load = (({ locals }) => ({
  me: locals.identity
    ? { email: locals.identity.user.email, role: locals.identity.user.role }
    : null,
})) satisfies LayoutServerLoad;
