import { parse as parseCsv } from 'csv-parse/sync';
import { stringify as stringifyCsv } from 'csv-stringify/sync';
import {
  DEVICE_FILE_COLUMNS,
  checkDeviceRows,
  fileRecord,
  fromCsvCells,
  toCsvCells,
  type Device,
  type DeviceCreate,
  type DeviceFileField,
} from '@netauto/schema';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { CliError } from './errors.js';

export const FORMATS = ['csv', 'json', 'yaml'] as const;
export type Format = (typeof FORMATS)[number];

/** The columns of a CSV inventory (the fields of a device, tags as `k=v;k=v`, metadata as JSON). */
export const CSV_COLUMNS = DEVICE_FILE_COLUMNS.map((c) => c.name);

/** The format a file name says, if any. */
export function formatOfName(name: string | undefined): Format | undefined {
  const ext = name?.toLowerCase().split('.').pop();
  if (ext === 'csv') return 'csv';
  if (ext === 'json') return 'json';
  if (ext === 'yaml' || ext === 'yml') return 'yaml';
  return undefined;
}

/** The format the text looks like, when neither --format nor a file name says. */
export function sniffFormat(text: string): Format {
  const first = text.trimStart()[0];
  if (first === '[' || first === '{') return 'json';
  const firstLine = text.trimStart().split('\n')[0] ?? '';
  if (first === '-' || /^[A-Za-z_]+:(\s|$)/.test(firstLine)) return 'yaml';
  return 'csv';
}

/** `role=core;rack=r1` (as the CSV inventory writes tags). */
function tagsOfCell(value: string): Record<string, string> | string {
  const fields = parseCsv(value, { delimiter: ';', trim: true, relax_quotes: true })[0];
  const tags: Record<string, string> = {};
  for (const field of fields ?? []) {
    if (field === '') continue;
    const eq = field.indexOf('=');
    if (eq <= 0) return value; // left for the schema to refuse, with its message
    tags[field.slice(0, eq).trim()] = field.slice(eq + 1).trim();
  }
  return tags;
}

function fromCsvRecord(record: Record<string, string>): Record<string, unknown> {
  return fromCsvCells(DEVICE_FILE_COLUMNS, record, { tags: tagsOfCell });
}

/** The records of an inventory file, as they are (checked later, row by row). */
export function readRecords(text: string, format: Format): unknown[] {
  try {
    switch (format) {
      case 'csv': {
        const records = parseCsv<Record<string, string>>(text, {
          columns: true,
          skip_empty_lines: true,
          bom: true,
          trim: false,
        });
        return records.map(fromCsvRecord);
      }
      case 'json':
      case 'yaml': {
        const data: unknown = format === 'json' ? JSON.parse(text) : parseYaml(text);
        const list =
          data !== null && typeof data === 'object' && !Array.isArray(data) && 'devices' in data
            ? data.devices
            : data;
        if (!Array.isArray(list)) {
          throw new CliError(
            `the ${format.toUpperCase()} must hold a list of devices (or an object with a "devices" list)`,
          );
        }
        return list as unknown[];
      }
    }
  } catch (error) {
    if (error instanceof CliError) throw error;
    const reason = error instanceof Error ? (error.message.split('\n')[0] ?? '') : 'unreadable';
    throw new CliError(
      `the input is not valid ${format.toUpperCase()} (${reason}): fix it, or give --format`,
    );
  }
}

/** One checked row: 1-based, as people count rows of a file. */
export interface CheckedRow {
  row: number;
  hostname: string;
  device?: DeviceCreate;
  errors: string[];
}

function field(record: unknown, key: string): string {
  const value =
    record !== null && typeof record === 'object'
      ? (record as Record<string, unknown>)[key]
      : undefined;
  return typeof value === 'string' || typeof value === 'number' ? String(value) : '';
}

/** Checks each record as the server would: the schema, and one row per hostname and site. */
export function checkRows(records: unknown[]): CheckedRow[] {
  return checkDeviceRows(records).map((checked, index) => ({
    ...checked,
    hostname: field(records[index], 'hostname'),
  }));
}

/** A device as an inventory file holds it: what the import takes back, no ids or times. */
export function exportRow(d: Device): Pick<Device, DeviceFileField> {
  return fileRecord(DEVICE_FILE_COLUMNS, d);
}

/** Tags as one CSV cell: `k=v;k=v`, quoted where a value holds `;`. */
function tagsCell(tags: Record<string, string>): string {
  const fields = Object.entries(tags).map(([k, v]) => `${k}=${v}`);
  return fields.length > 0 ? stringifyCsv([fields], { delimiter: ';' }).trimEnd() : '';
}

export function writeRecords(devices: Device[], format: Format): string {
  const rows = devices.map(exportRow);
  switch (format) {
    case 'json':
      return `${JSON.stringify(rows, null, 2)}\n`;
    case 'yaml':
      return stringifyYaml(rows);
    case 'csv':
      return stringifyCsv(
        rows.map((r) => toCsvCells(DEVICE_FILE_COLUMNS, r, tagsCell)),
        { header: true, columns: CSV_COLUMNS },
      );
  }
}
