/** The address of `url`'s page with some parameters changed (empty removes them), as `?…`. */
export function withParams(url: URL, changes: Record<string, string>): string {
  const params = new URLSearchParams(url.searchParams);
  for (const [k, v] of Object.entries(changes)) {
    if (v) params.set(k, v);
    else params.delete(k);
  }
  const query = params.toString();
  return query ? `?${query}` : '?';
}
