/**
 * A configuration of exactly `total` lines: `build(items, fill)` renders the configuration
 * with some of the optional `items` (interfaces...) and `fill` filler lines (ACL or
 * prefix-list entries). As many items as fit are kept, in order; filler makes up the rest.
 * When even no item and one filler line do not fit, the smallest configuration is returned.
 */
export function sizedConfig<T>(
  total: number,
  items: readonly T[],
  build: (items: readonly T[], fill: number) => string[],
): string[] {
  let chosen: readonly T[] = [];
  for (const item of items) {
    const next = [...chosen, item];
    if (build(next, 1).length > total) break;
    chosen = next;
  }
  const size = build(chosen, 1).length;
  return build(chosen, Math.max(1, 1 + total - size));
}

/** Filler address blocks: the i-th /24 under 10.64.0.0/10, the same for every device. */
export function fillerNetwork(i: number): string {
  return `10.${64 + ((i >> 8) & 63)}.${i & 255}.0`;
}
