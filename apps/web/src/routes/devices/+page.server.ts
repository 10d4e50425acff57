import { DEVICE_SORT_FIELDS, type DeviceListInput, type DeviceSortField } from '@netauto/schema';
import { problemOf } from '$lib/server/forms';
import { pageStack } from '$lib/server/list-params';
import type { PageServerLoad } from './$types';

const PAGE_SIZE = 50;

function param(url: URL, name: string): string | undefined {
  const value = url.searchParams.get(name)?.trim();
  return value ? value : undefined;
}

export const load = (async ({ locals, url }) => {
  const sortParam = param(url, 'sort');
  const sort: DeviceSortField = (DEVICE_SORT_FIELDS as readonly string[]).includes(sortParam ?? '')
    ? (sortParam as DeviceSortField)
    : 'hostname';
  const dir = param(url, 'dir') === 'desc' ? 'desc' : 'asc';
  const pages = pageStack(param(url, 'pages'));
  const groupParam = param(url, 'group');
  const filters = {
    q: param(url, 'q') ?? '',
    site: param(url, 'site') ?? '',
    platform: param(url, 'platform') ?? '',
    vendor: param(url, 'vendor') ?? '',
    tag: param(url, 'tag') ?? '',
    group: groupParam ?? '',
  };
  const input: DeviceListInput = {
    sort,
    dir,
    limit: PAGE_SIZE,
    ...(filters.q && { q: filters.q }),
    ...(filters.site && { site: filters.site }),
    ...(filters.platform && { platform: filters.platform as DeviceListInput['platform'] }),
    ...(filters.vendor && { vendor: filters.vendor }),
    ...(filters.tag && { tags: [filters.tag] }),
    ...(groupParam && { groupId: /^\d+$/.test(groupParam) ? Number(groupParam) : -1 }),
    ...(pages.length > 0 && { cursor: pages.at(-1) }),
  };
  // Awaited in both branches below; a failure of its own must not go unhandled meanwhile.
  const groups = locals.api.groups.list({}).catch(() => []);
  try {
    const started = performance.now();
    const page = await locals.api.devices.list(input);
    return {
      devices: page.items,
      nextCursor: page.nextCursor,
      pages,
      sort,
      dir,
      filters,
      groups: (await groups).map((g) => ({ id: g.id, name: g.name })),
      elapsedMs: Math.round(performance.now() - started),
      problem: null,
    };
  } catch (error) {
    const problem = problemOf(error);
    return {
      devices: [],
      nextCursor: null,
      pages: [],
      sort,
      dir,
      filters,
      groups: (await groups).map((g) => ({ id: g.id, name: g.name })),
      elapsedMs: 0,
      problem: {
        message: problem.message,
        fieldErrors: {
          ...problem.fieldErrors,
          ...(problem.fieldErrors.groupId && { group: problem.fieldErrors.groupId }),
          ...(problem.fieldErrors['tags.0'] && { tag: problem.fieldErrors['tags.0'] }),
        },
      },
    };
  }
}) satisfies PageServerLoad;
