import type { AuditListInput } from '@netauto/schema';
import { problemOf } from '$lib/server/forms';
import { dayOf, pageStack, userIdOf } from '$lib/server/list-params';
import type { PageServerLoad } from './$types';

export const load = (async ({ locals, url }) => {
  const get = (name: string) => url.searchParams.get(name)?.trim() ?? '';
  const filters = {
    actor: get('actor'),
    action: get('action'),
    targetType: get('targetType'),
    targetId: get('targetId'),
    from: get('from'),
    to: get('to'),
  };
  const pages = pageStack(get('pages'));
  const me = locals.identity?.user;
  const actorId = userIdOf(filters.actor, me);
  const from = dayOf(filters.from, false);
  const to = dayOf(filters.to, true);
  const input: AuditListInput = {
    limit: 50,
    ...(actorId !== undefined && { actorId }),
    ...(filters.action && { action: filters.action }),
    ...(filters.targetType && { targetType: filters.targetType }),
    ...(filters.targetId && { targetId: filters.targetId }),
    ...(from && { from }),
    ...(to && { to }),
    ...(pages.length > 0 && { cursor: pages.at(-1) }),
  };
  const actors =
    me?.role === 'admin'
      ? (await locals.api.admin.users.list({})).map((u) => ({ id: u.id, email: u.email }))
      : [];
  try {
    const page = await locals.api.audit.list(input);
    return {
      events: page.items,
      nextCursor: page.nextCursor,
      pages,
      filters,
      actors,
      problem: null,
    };
  } catch (e) {
    return {
      events: [],
      nextCursor: null,
      pages: [],
      filters,
      actors,
      problem: problemOf(e).message,
    };
  }
}) satisfies PageServerLoad;
