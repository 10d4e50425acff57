import { createHash } from 'node:crypto';
import pg from 'pg';
import { QueryTypes, type Transaction } from 'sequelize';
import type { Sequelize } from 'sequelize-typescript';
import type { z } from 'zod';
import {
  ConflictError,
  DomainError,
  InvalidStateError,
  NotFoundError,
  ValidationError,
} from './errors.js';

/** Where a repository's statements go: the pool, or one open transaction. */
export interface Executor {
  sequelize: Sequelize;
  transaction?: Transaction | undefined;
}

export interface StatementOptions {
  /**
   * Keep the statement prepared on each connection (planned once per connection, not per
   * call): for the fixed statements of hot paths, not for texts built from filters.
   */
  prepare?: boolean;
}

/** The texts of the statements kept prepared, each with its name. */
const preparedNames = new Map<string, string>();

/** Marks a statement's text as one to keep prepared, under a name the same in every process. */
function prepared(sql: string): void {
  if (preparedNames.has(sql)) return;
  preparedNames.set(sql, `netauto_${createHash('sha1').update(sql).digest('hex').slice(0, 20)}`);
}

/**
 * node-postgres's client, sending the statements marked by `prepared` as named
 * (prepared) statements. Both pools make their connections with it, so a hot statement
 * is planned once per connection whether it runs in a transaction or not.
 */
export class PreparingClient extends pg.Client {
  constructor(config?: string | pg.ClientConfig) {
    super(config);
    const send = this.query.bind(this) as (config: unknown, ...rest: unknown[]) => unknown;
    Object.defineProperty(this, 'query', {
      value: (config: unknown, ...rest: unknown[]) => {
        const name = typeof config === 'string' ? preparedNames.get(config) : undefined;
        return send(name === undefined ? config : { text: config, name }, ...rest);
      },
    });
  }
}

const pools = new WeakMap<Sequelize, pg.Pool>();

/**
 * Says which pool `select` sends statements outside a transaction to for this Sequelize
 * instance (Database does it for its own); without one they go through `sequelize.query`.
 */
export function usePool(sequelize: Sequelize, pool: pg.Pool): void {
  pools.set(sequelize, pool);
}

type StatementObserver = (sql: string, bind: readonly unknown[]) => void;
const observers = new WeakMap<object, Set<StatementObserver>>();

/** Calls `fn` with every statement `select` sends through this database, until disposed. */
export function observeStatements(sequelize: Sequelize, fn: StatementObserver): () => void {
  const set = observers.get(sequelize) ?? new Set();
  observers.set(sequelize, set);
  set.add(fn);
  return () => set.delete(fn);
}

/**
 * Runs a statement that returns rows (SELECT, or anything with RETURNING), written with
 * $n parameters, and returns plain rows. In a transaction it goes through Sequelize's
 * `query` on that transaction; outside one, straight to the database's own pg pool, so
 * that the hot paths (runs, output, queue) pay for no query pipeline.
 */
export async function select<T extends object>(
  ex: Executor,
  sql: string,
  bind: unknown[] = [],
  options: StatementOptions = {},
): Promise<T[]> {
  for (const observe of observers.get(ex.sequelize) ?? []) observe(sql, bind);
  // Sequelize trims what it sends; the pool sends the same text, so that both share a name.
  const text = sql.trim();
  if (options.prepare) prepared(text);
  try {
    const pool = ex.transaction ? undefined : pools.get(ex.sequelize);
    if (pool) return (await pool.query<T>(text, bind)).rows;
    return await ex.sequelize.query<T>(text, {
      // Sequelize refuses an undefined parameter where the driver sends NULL.
      bind: bind.map((value) => value ?? null),
      transaction: ex.transaction ?? null,
      type: QueryTypes.SELECT,
      raw: true,
    });
  } catch (error) {
    throw translateError(error);
  }
}

export async function selectOne<T extends object>(
  ex: Executor,
  sql: string,
  bind: unknown[] = [],
  options: StatementOptions = {},
): Promise<T | undefined> {
  const rows = await select<T>(ex, sql, bind, options);
  return rows[0];
}

/** Runs a model call (or any promise), turning a driver error into a domain error. */
export async function guarded<T>(call: Promise<T> | (() => Promise<T>)): Promise<T> {
  try {
    return await (typeof call === 'function' ? call() : call);
  } catch (error) {
    throw translateError(error);
  }
}

/** Runs `fn` in the executor's transaction, or in a new one if it has none. */
export async function inTransaction<T>(ex: Executor, fn: (tx: Executor) => Promise<T>): Promise<T> {
  if (ex.transaction) return fn(ex);
  try {
    return await ex.sequelize.transaction((transaction) =>
      fn({ sequelize: ex.sequelize, transaction }),
    );
  } catch (error) {
    throw translateError(error);
  }
}

export function iso(value: Date | string): string {
  return (value instanceof Date ? value : new Date(value)).toISOString();
}

export function isoOrNull(value: Date | string | null | undefined): string | null {
  return value == null ? null : iso(value);
}

const camel = (s: string) => s.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

/** Friendly errors for the constraints a caller can run into. */
const UNIQUE: Record<string, () => DomainError> = {
  devices_hostname_site_key: () =>
    new ConflictError('a device with this hostname already exists at this site', [
      'hostname',
      'site',
    ]),
  device_group_memberships_device_group_key: () =>
    new ConflictError('device already added to this group', ['deviceId', 'groupId']),
  command_templates_name_key: () =>
    new ConflictError('a template with this name already exists', ['name']),
  device_groups_name_key: () =>
    new ConflictError('a group with this name already exists', ['name']),
  users_email_key: () => new ConflictError('a user with this e-mail already exists', ['email']),
  credentials_name_key: () =>
    new ConflictError('a credential with this name already exists', ['name']),
  known_hosts_host_port_key: () =>
    new ConflictError('a host key is already recorded for this host and port', ['host', 'port']),
  run_chunks_pkey: () => new ConflictError('a chunk with this seq is already stored', ['seq']),
};

interface PgError {
  code?: string;
  constraint?: string;
  detail?: string;
  table?: string;
  column?: string;
  message?: string;
}

function pgErrorOf(error: unknown): PgError | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const e = error as { parent?: PgError; original?: PgError; code?: string };
  if (e.parent?.code) return e.parent;
  if (e.original?.code) return e.original;
  if (typeof e.code === 'string') return e;
  return undefined;
}

/**
 * Whether a statement failed with an error the server answered (or one of the caller's,
 * found before it was sent): a statement outside a transaction was then rolled back,
 * and trying its parts again writes nothing twice. A lost connection is not one of
 * these: the statement may have been committed.
 */
export function failedWithoutEffect(error: unknown): boolean {
  if (error instanceof DomainError) return true;
  const e = error as { parent?: object; original?: object; severity?: unknown } | null;
  const server = (e?.parent ?? e?.original ?? e) as { severity?: unknown } | null | undefined;
  return typeof server?.severity === 'string';
}

/** Turns a driver error into a domain error where the cause is the caller's. */
export function translateError(error: unknown): unknown {
  if (error instanceof DomainError) return error;
  const pgError = pgErrorOf(error);
  if (!pgError) return error;
  const { code, constraint = '', detail = '', table = '', column } = pgError;
  switch (code ?? '') {
    case '23505': {
      const known = UNIQUE[constraint];
      return known ? known() : new ConflictError(`duplicate value (${detail || constraint})`);
    }
    case '23001':
    case '23503': {
      // "Key (id)=(3) is still referenced from table "runs"." on delete; otherwise a
      // reference to a row that does not exist.
      const referenced = /still referenced from table "(\w+)"/.exec(detail);
      if (referenced) {
        return new InvalidStateError(
          `${singular(table)} is still referenced by ${referenced[1] ?? 'other rows'}`,
        );
      }
      const missing = /Key \((\w+)\)=\(([^)]*)\) is not present in table "(\w+)"/.exec(detail);
      if (missing) return new NotFoundError(singular(missing[3] ?? 'row'), missing[2] ?? '?');
      return new NotFoundError('referenced row', constraint);
    }
    case '23514': {
      if (constraint === 'runs_status_transition') {
        return new InvalidStateError(pgError.message ?? 'invalid run status change');
      }
      const field = constraint.startsWith(`${table}_`)
        ? camel(constraint.slice(table.length + 1).replace(/_check$/, ''))
        : constraint;
      return new ValidationError(`${field} is not allowed here`, {
        [field]: ['value is not allowed'],
      });
    }
    case '23502': {
      const field = camel(column ?? 'value');
      return new ValidationError(`${field} is required`, { [field]: ['is required'] });
    }
    case '22001':
      return new ValidationError('a value is too long', {});
    case '22P05':
    case '22021':
      return new ValidationError(
        'a value holds characters that cannot be stored (NUL, bad UTF-8)',
        {},
      );
    case '22P02':
    case '22007':
    case '22008':
    case '22003':
      return new ValidationError(`invalid value: ${pgError.message ?? 'bad input'}`, {});
    default:
      return error;
  }
}

function singular(table: string): string {
  const names: Record<string, string> = {
    devices: 'device',
    device_groups: 'group',
    command_templates: 'template',
    runs: 'run',
    users: 'user',
    bulks: 'bulk',
  };
  return names[table] ?? table;
}

/** Parses input with a schema; a failure becomes a ValidationError naming each field. */
export function parseInput<S extends z.ZodType>(
  schema: S,
  input: unknown,
  prefix = '',
): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw new ValidationError(
    result.error.issues
      .map(
        (i) =>
          `${[prefix, ...i.path.map(String)].filter(Boolean).join('.') || 'input'}: ${i.message}`,
      )
      .join('; '),
    fieldErrorsOf(result.error, prefix),
  );
}

export function fieldErrorsOf(error: z.ZodError, prefix = ''): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const issue of error.issues) {
    const key = [prefix, ...issue.path.map(String)].filter(Boolean).join('.') || 'input';
    (out[key] ??= []).push(issue.message);
  }
  return out;
}

/** Base64url JSON: an opaque cursor for keyset pagination. */
export function encodeCursor(value: unknown): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}

export function decodeCursor<T>(cursor: string, check: (v: unknown) => v is T): T {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    value = undefined;
  }
  if (!check(value)) {
    throw new ValidationError('cursor is not one this list returned', {
      cursor: ['must be a cursor returned by a previous page'],
    });
  }
  return value;
}

/** A LIKE pattern matching `text` anywhere, with LIKE's own wildcards escaped. */
export function containsPattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c: string) => `\\${c}`)}%`;
}
