import { loadRunHistory } from '$lib/server/run-history';
import type { PageServerLoad } from './$types';

export const load = (async ({ locals, url }) => {
  const history = await loadRunHistory(locals.api, url, locals.identity?.user);
  // Hostnames of the devices on this page (a page holds at most 100 runs).
  const ids = [...new Set(history.runs.map((r) => r.deviceId))];
  const devices: Record<number, string> = {};
  await Promise.all(
    ids.map(async (id) => {
      const d = await locals.api.devices.byId({ id }).catch(() => null);
      if (d) devices[id] = d.hostname;
    }),
  );
  return { history, devices };
}) satisfies PageServerLoad;
