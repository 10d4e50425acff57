/** A bulk's target as a person reads it. */
export function targetText(target: Record<string, unknown>): string {
  switch (target.type) {
    case 'group':
      return `group #${String(target.groupId)}`;
    case 'devices':
      return `${Array.isArray(target.deviceIds) ? target.deviceIds.length : 0} devices`;
    case 'filter': {
      const f = (target.filter ?? {}) as Record<string, unknown>;
      return Object.entries(f)
        .filter(([, v]) => v !== undefined && v !== null && v !== '')
        .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join(',') : String(v)}`)
        .join(' ');
    }
    default:
      return '—';
  }
}
