import { z } from 'zod';

/** The processes that read configuration, as the README's table names them. */
export const READERS = {
  web: 'web server',
  api: 'API server',
  worker: 'netauto-worker',
  db: 'db commands',
  cli: 'netauto CLI',
  tests: 'tests',
} as const;
export type Reader = keyof typeof READERS;

/** One environment variable: how it is read, and what the documentation says of it. */
export interface Variable<S extends z.ZodType = z.ZodType> {
  readonly schema: S;
  /** One sentence for the README's table. */
  readonly description: string;
  /** Who reads it, when not everyone the section names. */
  readonly readBy?: readonly Reader[];
  /** The default as the documentation shows it, when the parsed one would read badly. */
  readonly shownDefault?: string;
}

export function variable<S extends z.ZodType>(
  schema: S,
  description: string,
  extra: Omit<Variable<S>, 'schema' | 'description'> = {},
): Variable<S> {
  return { schema, description, ...extra };
}

/** The variables of one concern (the database, the worker, the CLI…). */
export interface Section<V extends Record<string, Variable> = Record<string, Variable>> {
  readonly title: string;
  readonly readBy: readonly Reader[];
  /** An empty value counts as unset (as XDG says for XDG_CONFIG_HOME). */
  readonly emptyIsUnset?: boolean;
  readonly variables: V;
}

export function section<V extends Record<string, Variable>>(s: Section<V>): Section<V> {
  return s;
}

/** What a section's variables are once read: one typed, read-only value per variable. */
export type SectionValues<S extends Section> = {
  readonly [K in keyof S['variables']]: z.output<S['variables'][K]['schema']>;
};

/** A 0/1 (or false/true) switch, off unless set; any other value is an error, not off. */
export function flag() {
  return z
    .enum(['0', '1', 'true', 'false'])
    .default('0')
    .transform((v) => v === '1' || v === 'true');
}

/** A whole number between min and max (inclusive). */
export function integer(min: number, max: number) {
  return z.coerce.number().int().min(min).max(max);
}

/** trace, debug, info, warn, error, fatal or silent. */
export const LogLevel = z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']);

/** A PostgreSQL connection URL. */
export function postgresUrl() {
  return z.url({ protocol: /^postgres(ql)?$/ });
}
