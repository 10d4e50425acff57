import { z } from 'zod';

/** A row id: a positive integer. */
export const Id = z.number().int().positive().max(2_147_483_647);
export type Id = z.infer<typeof Id>;

/** Timestamps travel as ISO 8601 strings, so that every interface shows the same JSON. */
export const Timestamp = z.iso.datetime({ offset: true });
export type Timestamp = z.infer<typeof Timestamp>;

/** A character that has no place in text: a control character or half of a surrogate pair. */
export interface BadCharacter {
  kind: 'control' | 'surrogate';
  /** The UTF-16 code unit (a control character's code point). */
  code: number;
  /** Counted in characters (code points) from 1, as a person counts them. */
  position: number;
}

// C0 controls, DEL, C1 controls and surrogate halves: the quick test before the walk.
// eslint-disable-next-line no-control-regex
const SUSPECT = /[\u0000-\u001f\u007f-\u009f\ud800-\udfff]/;

/**
 * The first control character (C0, DEL or C1) of `s` other than those in `allow`, or the
 * first lone surrogate: what a device, a terminal or a UTF-8 column would take for
 * something else. Undefined when `s` is clean.
 */
export function findBadCharacter(s: string, allow = ''): BadCharacter | undefined {
  if (!SUSPECT.test(s)) return undefined;
  let position = 0;
  for (let i = 0; i < s.length; i++) {
    position++;
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = s.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        i++;
        continue;
      }
      return { kind: 'surrogate', code: c, position };
    }
    if (c >= 0xdc00 && c <= 0xdfff) return { kind: 'surrogate', code: c, position };
    if ((c <= 0x1f || (c >= 0x7f && c <= 0x9f)) && !allow.includes(String.fromCharCode(c))) {
      return { kind: 'control', code: c, position };
    }
  }
  return undefined;
}

/** `U+001B`. */
export function codePointName(code: number): string {
  return `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
}

/**
 * What is wrong, for a person: "site must not contain control characters (found U+001B
 * at position 3)". `controls` names what was refused when newlines are refused too.
 */
export function badCharacterMessage(
  what: string,
  bad: BadCharacter,
  controls = 'control characters',
): string {
  const subject = what ? `${what} ` : '';
  const where = `${codePointName(bad.code)} at position ${bad.position}`;
  return bad.kind === 'surrogate'
    ? `${subject}must be valid Unicode text (found a lone surrogate ${where})`
    : `${subject}must not contain ${controls} (found ${where})`;
}

/**
 * A zod check for text a caller sends: no control characters but those in `allow` (such
 * as "\n\t" for free text), and no lone surrogate (which would be stored as U+FFFD).
 */
export function textCheck(what: string, allow = '') {
  return (s: string, ctx: z.core.$RefinementCtx<string>) => {
    const bad = findBadCharacter(s, allow);
    if (bad) ctx.addIssue({ code: 'custom', message: badCharacterMessage(what, bad) });
  };
}

/**
 * The same for secrets: the message says what is wrong but never where, nor which
 * character, so that nothing of the secret is told back.
 */
export function secretCheck(what: string, allow = '') {
  return (s: string, ctx: z.core.$RefinementCtx<string>) => {
    const bad = findBadCharacter(s, allow);
    if (!bad) return;
    ctx.addIssue({
      code: 'custom',
      message:
        bad.kind === 'surrogate'
          ? `${what} must be valid Unicode text`
          : `${what} must not contain control characters or line breaks`,
    });
  };
}

/** A one-line text field: trimmed, bounded, with no control characters. */
export function line(max: number, what = 'value') {
  return z
    .string()
    .superRefine(textCheck(what))
    .trim()
    .min(1, `${what} must not be empty`)
    .max(max, `${what} must be at most ${max} characters`);
}

/** Free text (descriptions, notes): bounded, may span lines and hold tabs, no other controls. */
export function text(max: number, what = 'text') {
  return z
    .string()
    .max(max, `must be at most ${max} characters`)
    .superRefine(textCheck(what, '\n\t'));
}

/** Search text: trimmed, bounded, one line. */
export function searchText(max: number) {
  return z.string().superRefine(textCheck('search text')).trim().max(max);
}

export const TagKey = z
  .string()
  .min(1, 'tag key must not be empty')
  .max(64, 'tag key must be at most 64 characters')
  .regex(/^[A-Za-z0-9_.:/-]+$/, 'tag key may use letters, digits and _ . : / - only');

export const TagValue = z
  .string({ error: 'tag value must be text' })
  .max(256, 'tag value must be at most 256 characters')
  .superRefine(textCheck('tag value'));

/** Tags: a flat JSON object of string keys to string values. */
export const Tags = z
  .record(TagKey, TagValue)
  .refine((o) => Object.keys(o).length <= 64, 'at most 64 tags');
export type Tags = z.infer<typeof Tags>;

/** Bounds of a JSON field a caller sends (stored as JSONB). */
export interface JsonLimits {
  /** Objects and lists inside one another, the field itself being 1. */
  maxDepth: number;
  /** Keys of objects and items of lists, counted over the whole value. */
  maxEntries: number;
  /** Characters of its JSON text. */
  maxBytes: number;
}

const JSON_STRING_MAX = 4096;
const JSON_KEY_MAX = 128;
const JSON_LIST_MAX = 256;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/**
 * A JSON object field of any shape, checked without recursion (a value nested 100,000
 * deep is refused with a message, never with a stack overflow): its depth, its number
 * of entries, its size as JSON, and each string and key (bounded, no NUL, no control
 * characters but newlines and tabs, no lone surrogate), each problem at its path.
 */
export function jsonObject(what: string, limits: JsonLimits) {
  return z.custom<Record<string, unknown>>().superRefine((root, ctx) => {
    if (!isPlainObject(root)) {
      ctx.addIssue({ code: 'custom', message: `${what} must be a JSON object` });
      return;
    }
    const stack: { value: unknown; path: (string | number)[]; depth: number }[] = [
      { value: root, path: [], depth: 1 },
    ];
    let entries = 0;
    let problems = 0;
    const problem = (path: (string | number)[], message: string) => {
      problems++;
      ctx.addIssue({ code: 'custom', path, message });
    };
    while (stack.length > 0 && problems < 10) {
      const { value, path, depth } = stack.pop() as (typeof stack)[number];
      if (typeof value === 'string') {
        if (value.length > JSON_STRING_MAX) {
          problem(path, `must be at most ${JSON_STRING_MAX} characters`);
        } else {
          const bad = findBadCharacter(value, '\n\t');
          if (bad) problem(path, badCharacterMessage('', bad));
        }
      } else if (typeof value === 'number') {
        if (!Number.isFinite(value)) problem(path, 'must be a finite number');
      } else if (typeof value === 'boolean' || value === null) {
        // fine
      } else if (Array.isArray(value) || isPlainObject(value)) {
        if (depth > limits.maxDepth) {
          ctx.addIssue({
            code: 'custom',
            message: `${what} must be nested at most ${limits.maxDepth} deep`,
          });
          return;
        }
        entries += Array.isArray(value) ? value.length : Object.keys(value).length;
        if (entries > limits.maxEntries) {
          ctx.addIssue({
            code: 'custom',
            message: `${what} must have at most ${limits.maxEntries} keys and list items in all`,
          });
          return;
        }
        if (Array.isArray(value) && value.length > JSON_LIST_MAX) {
          problem(path, `lists must have at most ${JSON_LIST_MAX} items`);
          continue;
        }
        const items: [string | number, unknown][] = Array.isArray(value)
          ? value.map((v, i) => [i, v])
          : Object.entries(value);
        for (const [key, child] of items.reverse()) {
          if (typeof key === 'string') {
            const bad = findBadCharacter(key, '');
            if (key.length > JSON_KEY_MAX) {
              problem(path, `keys must be at most ${JSON_KEY_MAX} characters`);
            } else if (bad) {
              problem(path, badCharacterMessage('keys', bad));
            }
          }
          stack.push({ value: child, path: [...path, key], depth: depth + 1 });
        }
      } else {
        problem(path, 'must be JSON: text, a number, true, false, null, a list or an object');
      }
    }
    // Only once its depth is known to be small: JSON.stringify recurses.
    if (problems === 0 && JSON.stringify(root).length > limits.maxBytes) {
      ctx.addIssue({
        code: 'custom',
        message: `${what} must be at most ${limits.maxBytes / 1024} KiB as JSON`,
      });
    }
  });
}

/** Metadata: a JSON object of anything, bounded in depth, entries and size. */
export const Metadata = jsonObject('metadata', {
  maxDepth: 32,
  maxEntries: 1024,
  maxBytes: 16_384,
});
export type Metadata = z.infer<typeof Metadata>;

export const IpAddress = z.union([z.ipv4(), z.ipv6()], {
  error: 'must be an IPv4 or IPv6 address',
});
export type IpAddress = z.infer<typeof IpAddress>;

export const Cidr = z.union([z.cidrv4(), z.cidrv6(), z.ipv4(), z.ipv6()], {
  error: 'must be a CIDR such as 10.0.0.0/8 or 2001:db8::/32, or an address',
});

export const Port = z
  .number({ error: 'must be a whole number from 1 to 65535' })
  .int('must be a whole number from 1 to 65535')
  .min(1, 'must be from 1 to 65535')
  .max(65535, 'must be from 1 to 65535');

export const Limit = z.number().int().min(1).max(500).default(50);

/** An opaque position in a list; the server made it, the caller hands it back. */
export const Cursor = z
  .string()
  .max(1024)
  .regex(/^[A-Za-z0-9_-]+$/, 'must be a cursor returned by a previous page');

export const SortDirection = z.enum(['asc', 'desc']);
export type SortDirection = z.infer<typeof SortDirection>;

export function page<T extends z.ZodType>(item: T) {
  return z.object({
    items: z.array(item),
    nextCursor: z.string().nullable(),
  });
}
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/**
 * Reads environment variables with a schema; a bad value is an error that names the
 * variable and what is wrong with it.
 */
export function parseEnv<S extends z.ZodType>(
  schema: S,
  env: Record<string, string | undefined>,
): z.output<S> {
  const parsed = schema.safeParse(env);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  throw new Error(`invalid environment: ${problems.join('; ')}`);
}
