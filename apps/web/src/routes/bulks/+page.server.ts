import { problemOf } from '$lib/server/forms';
import type { PageServerLoad } from './$types';

const MAX_PAGE_STACK = 40;

export const load = (async ({ locals, url }) => {
  const pages = (url.searchParams.get('pages') ?? '')
    .split('.')
    .filter(Boolean)
    .slice(-MAX_PAGE_STACK);
  try {
    const page = await locals.api.bulks.list({
      limit: 25,
      ...(pages.length > 0 && { cursor: pages.at(-1) }),
    });
    return { bulks: page.items, nextCursor: page.nextCursor, pages, problem: null };
  } catch (e) {
    return { bulks: [], nextCursor: null, pages: [], problem: problemOf(e).message };
  }
}) satisfies PageServerLoad;
