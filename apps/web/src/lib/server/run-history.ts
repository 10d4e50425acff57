import { RUN_STATUSES, type Run, type RunListInput, type RunStatus } from '@netauto/schema';
import type { Api } from './api';
import { problemOf } from './forms';

export const PAGE_SIZES = [25, 50, 100] as const;
const MAX_PAGE_STACK = 40;

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

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** A date field (YYYY-MM-DD, UTC) as a time: its start, or the start of the next day. */
function dayOf(value: string, next: boolean): string | undefined {
  if (!DAY.test(value)) return undefined;
  const t = Date.parse(`${value}T00:00:00Z`);
  if (Number.isNaN(t)) return undefined;
  return new Date(t + (next ? 86_400_000 : 0)).toISOString();
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
  const pages = get('pages').split('.').filter(Boolean).slice(-MAX_PAGE_STACK);
  const requestedBy =
    filters.by === 'me' ? me?.id : /^\d+$/.test(filters.by) ? Number(filters.by) : undefined;
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
