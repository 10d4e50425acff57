import { fail, redirect } from '@sveltejs/kit';
import { problemOf, stringField } from '$lib/server/forms';
import type { Actions, PageServerLoad } from './$types';

/** Only a path on this site: never send someone elsewhere after sign-in. */
function nextPath(url: URL): string {
  const next = url.searchParams.get('next');
  if (!next?.startsWith('/')) return '/devices';
  // Resolve it as a browser would (`/\\host` and `/%09/host` lead elsewhere) and keep it
  // only if it stays on this origin.
  try {
    const target = new URL(next, url.origin);
    return target.origin === url.origin ? `${target.pathname}${target.search}` : '/devices';
  } catch {
    return '/devices';
  }
}

export const load = (({ locals, url }) => {
  if (locals.identity) redirect(303, nextPath(url));
  return {};
}) satisfies PageServerLoad;

export const actions = {
  default: async ({ request, locals, url }) => {
    const form = await request.formData();
    const email = stringField(form, 'email').trim();
    const password = stringField(form, 'password');
    try {
      await locals.api.auth.login({ email, password });
    } catch (error) {
      const problem = problemOf(error);
      return fail(problem.status, {
        email,
        message: problem.status === 401 ? 'Wrong e-mail or password.' : problem.message,
        fieldErrors: problem.fieldErrors,
        throttled: problem.status === 429,
      });
    }
    redirect(303, nextPath(url));
  },
} satisfies Actions;
