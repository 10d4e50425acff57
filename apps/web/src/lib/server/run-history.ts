import { RUN_STATUSES, type Run, type RunListInput, type RunStatus } from '@netauto/schema';
import type { Api } from './api';
import { problemOf } from './forms';
import { dayOf, pageStack, userIdOf } from './list-params';

export const PAGE_SIZES = [25, 50, 100] as const;

/** The filters as the form shows them (strings, as typed). */
export interface RunFilters {
  status: RunStatus[];
  /** '' anyone, 'me', or a user id. */
  by: string;
  from: string;
  to: string;
  q: string;
  limit: number;
}

export interface RunHistory {
  runs: Run[];
  nextCursor: string | null;
  pages: string[];
  filters: RunFilters;
  /** Who can be chosen as requester (everyone, for an admin; else only "me"). */
  requesters: { id: number; email: string }[];
  problem: string | null;
}

/** Run history with filters from the address: status, by, from, to, q, limit, pages. */
export async function loadRunHistory(
  api: Api,
  url: URL,
  me: { id: number; role: string } | undefined,
  fixed: Pick<RunListInput, 'deviceId' | 'bulkId'> = {},
): Promise<RunHistory> {
  const get = (name: string) => url.searchParams.get(name)?.trim() ?? '';
  const status = url.searchParams
    .getAll('status')
    .filter((s): s is RunStatus => (RUN_STATUSES as readonly string[]).includes(s));
  const limitParam = Number(get('limit'));
  const limit = (PAGE_SIZES as readonly number[]).includes(limitParam) ? limitParam : 25;
  const filters: RunFilters = {
    status,
    by: get('by'),
    from: get('from'),
    to: get('to'),
    q: get('q'),
    limit,
  };
  const pages = pageStack(get('pages'));
  const requestedBy = userIdOf(filters.by, me);
  const from = dayOf(filters.from, false);
  const to = dayOf(filters.to, true);
  const input: RunListInput = {
    ...fixed,
    limit,
    ...(status.length > 0 && { status }),
    ...(requestedBy !== undefined && { requestedBy }),
    ...(from && { from }),
    ...(to && { to }),
    ...(filters.q && { q: filters.q }),
    ...(pages.length > 0 && { cursor: pages.at(-1) }),
  };
  const requesters =
    me?.role === 'admin'
      ? (await api.admin.users.list({})).map((u) => ({ id: u.id, email: u.email }))
      : [];
  try {
    const page = await api.runs.list(input);
    return {
      runs: page.items,
      nextCursor: page.nextCursor,
      pages,
      filters,
      requesters,
      problem: null,
    };
  } catch (e) {
    return {
      runs: [],
      nextCursor: null,
      pages: [],
      filters,
      requesters,
      problem: problemOf(e).message,
    };
  }
}
