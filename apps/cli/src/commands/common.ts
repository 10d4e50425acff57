import type { z } from 'zod';

/** A schema's complaints as one line: `field: message; field: message`. */
export function fieldProblems(error: z.ZodError, names: Record<string, string> = {}): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => {
      const path = issue.path.map(String).join('.');
      const name =
        names[path] ??
        (path ? `--${path.replace(/[A-Z]/g, (m) => `-${m.toLowerCase()}`)}` : 'input');
      return `${name}: ${issue.message}`;
    })
    .join('; ');
}
