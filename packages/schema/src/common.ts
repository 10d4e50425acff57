import { z } from 'zod';

/** A row id: a positive integer. */
export const Id = z.number().int().positive().max(2_147_483_647);
export type Id = z.infer<typeof Id>;

/** Timestamps travel as ISO 8601 strings, so that every interface shows the same JSON. */
export const Timestamp = z.iso.datetime({ offset: true });
export type Timestamp = z.infer<typeof Timestamp>;

// Control characters (C0 and DEL) have no place in names, references or one-line fields.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

/** A one-line text field: trimmed, bounded, with no control characters. */
export function line(max: number, what = 'value') {
  return z
    .string()
    .trim()
    .min(1, `${what} must not be empty`)
    .max(max, `${what} must be at most ${max} characters`)
    .refine((s) => !CONTROL.test(s), `${what} must not contain control characters`);
}

/** Free text (descriptions, notes): bounded, may span lines, no NUL. */
export function text(max: number) {
  return z
    .string()
    .max(max, `must be at most ${max} characters`)
    .refine((s) => !s.includes('\u0000'), 'must not contain NUL characters');
}

export const TagKey = z
  .string()
  .min(1, 'tag key must not be empty')
  .max(64, 'tag key must be at most 64 characters')
  .regex(/^[A-Za-z0-9_.:/-]+$/, 'tag key may use letters, digits and _ . : / - only');

export const TagValue = z
  .string()
  .max(256, 'tag value must be at most 256 characters')
  .refine((s) => !CONTROL.test(s), 'tag value must not contain control characters');

/** Tags: a flat JSON object of string keys to string values. */
export const Tags = z
  .record(TagKey, TagValue)
  .refine((o) => Object.keys(o).length <= 64, 'at most 64 tags');
export type Tags = z.infer<typeof Tags>;

const JsonKey = z
  .string()
  .max(128)
  .refine((s) => !s.includes('\u0000'), 'keys must not contain NUL characters');

const JsonValue: z.ZodType = z.lazy(() =>
  z.union([
    z
      .string()
      .max(4096)
      .refine((s) => !s.includes('\u0000'), 'must not contain NUL characters'),
    z.number(),
    z.boolean(),
    z.null(),
    z.array(JsonValue).max(256),
    z.record(JsonKey, JsonValue),
  ]),
);

/** Metadata: a JSON object of anything, bounded in size. */
export const Metadata = z
  .record(JsonKey, JsonValue)
  .refine((o) => JSON.stringify(o).length <= 16_384, 'metadata must be at most 16 KiB as JSON');
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
