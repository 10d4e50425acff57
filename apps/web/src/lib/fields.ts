/** Messages per field, as actions return them. */
export type FieldErrors = Record<string, string[]>;

/**
 * The messages for one field: its own, and those of its parts (`tags.bad key` shows
 * beside `tags`, naming the part).
 */
export function errorsFor(errors: FieldErrors | undefined, name: string): string[] {
  if (!errors) return [];
  const out: string[] = [];
  for (const [key, messages] of Object.entries(errors)) {
    if (key === name) out.push(...messages);
    else if (key.startsWith(`${name}.`)) {
      const part = key.slice(name.length + 1);
      out.push(...messages.map((m) => `${part}: ${m}`));
    }
  }
  return out;
}

/** Errors no field of the form shows. */
export function otherErrors(errors: FieldErrors | undefined, shown: readonly string[]): string[] {
  if (!errors) return [];
  return Object.entries(errors)
    .filter(([key]) => !shown.some((name) => key === name || key.startsWith(`${name}.`)))
    .flatMap(([key, messages]) => messages.map((m) => (key === 'input' ? m : `${key}: ${m}`)));
}

export const ROLE_RANK = { viewer: 1, operator: 2, admin: 3 } as const;

export function canOperate(me: { role: keyof typeof ROLE_RANK } | null | undefined): boolean {
  return !!me && ROLE_RANK[me.role] >= ROLE_RANK.operator;
}

export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  return new Date(iso).toLocaleString('en-GB', {
    dateStyle: 'medium',
    timeStyle: 'medium',
    timeZone: 'UTC',
  });
}
