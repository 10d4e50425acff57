import { parse as parseCsv } from 'csv-parse/sync';
import {
  DEVICE_FILE_COLUMNS,
  checkDeviceRows,
  fromCsvCells,
  type DeviceCreate,
} from '@netauto/schema';
import { parse as parseYaml } from 'yaml';
import { parseTags } from './forms';

export const IMPORT_FORMATS = ['csv', 'json', 'yaml'] as const;
export type ImportFormat = (typeof IMPORT_FORMATS)[number];

/** One row of a file, as read and as checked. */
export interface ImportRow {
  /** 1-based: the line of a CSV file after the header counts as row 1. */
  row: number;
  hostname: string;
  ip: string;
  platform: string;
  site: string;
  /** The row as the import takes it; absent when the row has errors. */
  device?: DeviceCreate;
  errors: string[];
}

export interface ImportPreview {
  format: ImportFormat;
  rows: ImportRow[];
  valid: number;
  invalid: number;
}

export class ImportFileError extends Error {}

/** The format from the file name, else from the first character of the text. */
export function detectFormat(name: string | undefined, text: string): ImportFormat {
  const ext = name?.toLowerCase().split('.').pop();
  if (ext === 'csv') return 'csv';
  if (ext === 'json') return 'json';
  if (ext === 'yaml' || ext === 'yml') return 'yaml';
  const first = text.trimStart()[0];
  if (first === '[' || first === '{') return 'json';
  if (first === '-') return 'yaml';
  return 'csv';
}

/** A CSV row's text cells as a device's fields: empty cells left out, tags and metadata read. */
function fromCsvRecord(record: Record<string, string>): Record<string, unknown> {
  return fromCsvCells(DEVICE_FILE_COLUMNS, record, { tags: parseTags });
}

function recordsOf(format: ImportFormat, text: string): unknown[] {
  try {
    switch (format) {
      case 'csv': {
        const records: unknown = parseCsv(text, {
          columns: true,
          skip_empty_lines: true,
          bom: true,
          relax_column_count: true,
        });
        return (records as Record<string, string>[]).map(fromCsvRecord);
      }
      case 'json':
      case 'yaml': {
        const data: unknown = format === 'json' ? JSON.parse(text) : parseYaml(text);
        const list =
          data && typeof data === 'object' && !Array.isArray(data) && 'devices' in data
            ? data.devices
            : data;
        if (!Array.isArray(list)) {
          throw new ImportFileError(
            'the file must hold a list of devices (or an object with a "devices" list)',
          );
        }
        return list;
      }
    }
  } catch (error) {
    if (error instanceof ImportFileError) throw error;
    throw new ImportFileError(
      `the file is not valid ${format.toUpperCase()}: ${error instanceof Error ? error.message.split('\n')[0] : 'unreadable'}`,
    );
  }
}

function cell(record: unknown, key: string): string {
  const value =
    record && typeof record === 'object' ? (record as Record<string, unknown>)[key] : undefined;
  return typeof value === 'string' || typeof value === 'number' ? String(value) : '';
}

/** Reads a file and checks each row as the devices import would; nothing is stored. */
export function previewImport(text: string, name?: string, format?: ImportFormat): ImportPreview {
  const chosen = format ?? detectFormat(name, text);
  const records = recordsOf(chosen, text);
  if (records.length === 0) throw new ImportFileError('the file has no devices in it');
  if (records.length > 100_000) throw new ImportFileError('at most 100,000 devices in one import');
  const rows = checkDeviceRows(records).map((checked, index): ImportRow => {
    const record = records[index];
    return {
      ...checked,
      hostname: cell(record, 'hostname'),
      ip: cell(record, 'ip'),
      platform: cell(record, 'platform'),
      site: cell(record, 'site'),
    };
  });
  const valid = rows.filter((r) => r.device).length;
  return { format: chosen, rows, valid, invalid: rows.length - valid };
}
