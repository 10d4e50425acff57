/** How many pages back "Previous" can go; further back, the first page is one click away. */
const MAX_PAGE_STACK = 40;

/** The cursors of the pages before this one, oldest first; the last one is this page's. */
export function pageStack(param: string | undefined): string[] {
  return (param ?? '').split('.').filter(Boolean).slice(-MAX_PAGE_STACK);
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** A date field (YYYY-MM-DD, UTC) as a time: its start, or the start of the next day. */
export function dayOf(value: string, next: boolean): string | undefined {
  if (!DAY.test(value)) return undefined;
  const t = Date.parse(`${value}T00:00:00Z`);
  if (Number.isNaN(t)) return undefined;
  return new Date(t + (next ? 86_400_000 : 0)).toISOString();
}

/** A user filter ('' anyone, 'me', or a user id) as a user id. */
export function userIdOf(value: string, me: { id: number } | undefined): number | undefined {
  return value === 'me' ? me?.id : /^\d+$/.test(value) ? Number(value) : undefined;
}
