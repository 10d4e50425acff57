import { z } from 'zod';

/**
 * Entities described once, field by field. An entity's definition lists each field with
 * its zod type and what every interface needs to know of it; the create, patch and record
 * schemas, the inventory file columns, the form fields and the sort fields are derived
 * from it, so that a new field is one entry here (plus its column in the database).
 */

/** How a field is written in one cell of a CSV file. */
export type CsvEncoding =
  /** As it is. */
  | 'text'
  /** A whole number (a cell of digits is read as a number; anything else is left as text). */
  | 'number'
  /** `key=value;key=value`. */
  | 'tags'
  /** A JSON object; an empty one is an empty cell. */
  | 'json';

/** How a form asks for a field. Selects take their options from an enum's values. */
export interface FormSpec {
  label: string;
  /** A line under the field saying what it takes. */
  hint?: string;
  placeholder?: string;
  /** Shown in a fixed-width font (addresses, references). */
  mono?: boolean;
}

/**
 * What a create call does with the field: it must be given (`required`), may be left out
 * (`optional`), left out or null (`nullable`), or takes a default when left out.
 */
export type CreateRule = 'required' | 'optional' | 'nullable' | { readonly default: unknown };

export interface FieldSpec {
  /** A value as a caller sends it, on create and on patch. */
  value: z.ZodType;
  /** The value as a record holds it (what the API returns). */
  record: z.ZodType;
  create: CreateRule;
  /** Whether a patch may change it (a nullable field may then be cleared with null). */
  patch: boolean;
  /** Its cell in CSV, JSON and YAML inventory files; absent: not in files. */
  csv?: CsvEncoding;
  /** Other names a CSV header may give the column. */
  csvAliases?: readonly string[];
  /** Its field on a form; absent: not on forms. */
  form?: FormSpec;
  /** Lists may be sorted by it. */
  sortable?: boolean;
}

export type FieldMap = Readonly<Record<string, FieldSpec>>;

/** Lists the fields of an entity, keeping their exact types. */
export function defineFields<const F extends FieldMap>(fields: F): F {
  return fields;
}

type CreateOf<S extends FieldSpec> = S['create'] extends 'required'
  ? S['value']
  : S['create'] extends 'optional'
    ? z.ZodOptional<S['value']>
    : S['create'] extends 'nullable'
      ? z.ZodOptional<z.ZodNullable<S['value']>>
      : z.ZodDefault<S['value']>;

type PatchOf<S extends FieldSpec> = S['create'] extends 'nullable'
  ? z.ZodOptional<z.ZodNullable<S['value']>>
  : z.ZodOptional<S['value']>;

export type CreateShape<F extends FieldMap> = { -readonly [K in keyof F]: CreateOf<F[K]> };
export type PatchShape<F extends FieldMap> = {
  -readonly [K in keyof F as F[K]['patch'] extends true ? K : never]: PatchOf<F[K]>;
};
export type RecordShape<F extends FieldMap> = { -readonly [K in keyof F]: F[K]['record'] };

const entries = (fields: FieldMap): [string, FieldSpec][] => Object.entries(fields);

/** The create schema's shape: every field, required, optional or defaulted. */
export function createShape<F extends FieldMap>(fields: F): CreateShape<F> {
  const shape: Record<string, z.ZodType> = {};
  for (const [name, f] of entries(fields)) {
    const rule = f.create;
    shape[name] =
      rule === 'required'
        ? f.value
        : rule === 'optional'
          ? f.value.optional()
          : rule === 'nullable'
            ? f.value.nullish()
            : f.value.default(rule.default as never);
  }
  return shape as CreateShape<F>;
}

/** The patch schema's shape: every field a patch may change, each optional. */
export function patchShape<F extends FieldMap>(fields: F): PatchShape<F> {
  const shape: Record<string, z.ZodType> = {};
  for (const [name, f] of entries(fields)) {
    if (!f.patch) continue;
    shape[name] = f.create === 'nullable' ? f.value.nullable().optional() : f.value.optional();
  }
  return shape as PatchShape<F>;
}

/** The record schema's shape for the fields (ids and timestamps are the entity's to add). */
export function recordShape<F extends FieldMap>(fields: F): RecordShape<F> {
  const shape: Record<string, z.ZodType> = {};
  for (const [name, f] of entries(fields)) shape[name] = f.record;
  return shape as RecordShape<F>;
}

/** The fields lists may be sorted by, in definition order. */
export function sortableFields<F extends FieldMap>(
  fields: F,
): (keyof F & string & { [K in keyof F]: F[K]['sortable'] extends true ? K : never }[keyof F])[] {
  return entries(fields)
    .filter(([, f]) => f.sortable === true)
    .map(([name]) => name) as never;
}

// Inventory files

/** One column of an inventory file. */
export interface FileColumn<N extends string = string> {
  name: N;
  encoding: CsvEncoding;
  aliases: readonly string[];
}

export type FileField<F extends FieldMap> = {
  [K in keyof F]: F[K]['csv'] extends CsvEncoding ? K : never;
}[keyof F] &
  string;

/** The columns of an inventory file, in definition order. */
export function fileColumns<F extends FieldMap>(fields: F): FileColumn<FileField<F>>[] {
  return entries(fields).flatMap(([name, f]) =>
    f.csv ? [{ name: name as FileField<F>, encoding: f.csv, aliases: f.csvAliases ?? [] }] : [],
  );
}

/** The fields of a record that an inventory file holds: what an import takes back. */
export function fileRecord<F extends FieldMap, R extends Record<FileField<F>, unknown>>(
  columns: readonly FileColumn<FileField<F>>[],
  record: R,
): Pick<R, FileField<F>> {
  const out = {} as Pick<R, FileField<F>>;
  for (const { name } of columns) out[name] = record[name];
  return out;
}

/** Reads one cell as its column says; tags are read by the caller's own parser. */
export type CellDecoders = Record<'tags', (cell: string) => unknown>;

function decodeCell(encoding: CsvEncoding, cell: string, decoders: CellDecoders): unknown {
  switch (encoding) {
    case 'text':
      return cell;
    case 'number':
      return /^\d+$/.test(cell) ? Number(cell) : cell;
    case 'tags':
      return decoders.tags(cell);
    case 'json':
      try {
        return JSON.parse(cell) as unknown;
      } catch {
        // Left as text for the schema to refuse, with its message.
        return cell;
      }
  }
}

/**
 * A CSV row's text cells as an entity's fields: header names trimmed (aliases taken), cells
 * trimmed, empty cells left out, each cell read as its column says. A column the entity
 * does not have stays as text, for the schema to refuse.
 */
export function fromCsvCells(
  columns: readonly FileColumn[],
  cells: Record<string, string>,
  decoders: CellDecoders,
): Record<string, unknown> {
  const byHeader = new Map<string, FileColumn>();
  for (const column of columns) {
    byHeader.set(column.name, column);
    for (const alias of column.aliases) byHeader.set(alias, column);
  }
  const out: Record<string, unknown> = {};
  for (const [rawKey, rawValue] of Object.entries(cells)) {
    const header = rawKey.trim();
    const value = rawValue.trim();
    if (value === '') continue;
    const column = byHeader.get(header);
    if (column) out[column.name] = decodeCell(column.encoding, value, decoders);
    else out[header] = value;
  }
  return out;
}

/**
 * A record's fields as CSV cells: tags as the caller writes them, a JSON object as its text
 * (empty when it has no keys), the rest as they are.
 */
export function toCsvCells(
  columns: readonly FileColumn[],
  record: Readonly<Record<string, unknown>>,
  encodeTags: (tags: Record<string, string>) => string,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const { name, encoding } of columns) {
    const value = record[name];
    if (encoding === 'tags') out[name] = encodeTags((value ?? {}) as Record<string, string>);
    else if (encoding === 'json') {
      out[name] =
        value !== null && typeof value === 'object' && Object.keys(value).length > 0
          ? JSON.stringify(value)
          : '';
    } else out[name] = value;
  }
  return out;
}

// Forms

/** A field as a form shows it. */
export interface FormField<N extends string = string> extends FormSpec {
  name: N;
  /** A line of text, a choice among `options`, or lines (tags: one `key=value` a line). */
  control: 'text' | 'select' | 'textarea';
  options: readonly string[];
  required: boolean;
  /** A whole number: the field asks for digits. */
  numeric: boolean;
  /** Cleared with an empty value (on a patch, an empty field sends null). */
  nullable: boolean;
  /** The value a new record's form starts with. */
  initial: string;
}

export type FormFieldName<F extends FieldMap> = {
  [K in keyof F]: F[K]['form'] extends FormSpec ? K : never;
}[keyof F] &
  string;

/** The choices of an enum field, else none. */
function optionsOf(type: z.ZodType): readonly string[] {
  return type instanceof z.ZodEnum ? (type.options as readonly string[]) : [];
}

/** The form fields of an entity, in definition order. */
export function formFields<F extends FieldMap>(fields: F): FormField<FormFieldName<F>>[] {
  return entries(fields).flatMap(([name, f]) => {
    if (!f.form) return [];
    const options = optionsOf(f.value);
    const rule = f.create;
    const field: FormField<FormFieldName<F>> = {
      ...f.form,
      name: name as FormFieldName<F>,
      control: f.csv === 'tags' ? 'textarea' : options.length > 0 ? 'select' : 'text',
      options,
      required: rule === 'required',
      numeric: f.csv === 'number',
      nullable: rule === 'nullable',
      initial: typeof rule === 'object' && typeof rule.default === 'string' ? rule.default : '',
    };
    return [field];
  });
}
