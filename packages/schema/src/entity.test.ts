import { describe, expect, it } from 'vitest';
import type { FieldSpec } from './entity.js';
import {
  DEVICE_FIELDS,
  DEVICE_FILE_COLUMNS,
  DEVICE_FORM_FIELDS,
  DEVICE_SORT_FIELDS,
  Device,
  DeviceCreate,
  DevicePatch,
  PLATFORMS,
  PROTOCOLS,
  fromCsvCells,
  toCsvCells,
} from './index.js';

const fields = Object.keys(DEVICE_FIELDS);
const specs: Record<string, FieldSpec> = DEVICE_FIELDS;

describe('device fields, defined once', () => {
  it('give the create, patch and record schemas every field, in order', () => {
    expect(Object.keys(DeviceCreate.shape)).toEqual(fields);
    expect(Object.keys(DevicePatch.shape)).toEqual(fields);
    expect(Object.keys(Device.shape)).toEqual(['id', ...fields, 'createdAt', 'updatedAt']);
  });

  it('give inventory files a column per field, with its encoding', () => {
    expect(DEVICE_FILE_COLUMNS.map((c) => c.name)).toEqual(fields);
    expect(Object.fromEntries(DEVICE_FILE_COLUMNS.map((c) => [c.name, c.encoding]))).toMatchObject({
      port: 'number',
      tags: 'tags',
      metadata: 'json',
      hostname: 'text',
    });
  });

  it('give the form every field a person types, with labels and controls', () => {
    const formed = fields.filter((f) => specs[f]?.form);
    expect(DEVICE_FORM_FIELDS.map((f) => f.name)).toEqual(formed);
    expect(formed).toEqual(fields.filter((f) => f !== 'metadata'));
    for (const field of DEVICE_FORM_FIELDS) expect(field.label).not.toBe('');
    const byName = Object.fromEntries(DEVICE_FORM_FIELDS.map((f) => [f.name, f]));
    expect(byName.protocol).toMatchObject({
      control: 'select',
      options: PROTOCOLS,
      initial: 'ssh',
    });
    expect(byName.platform).toMatchObject({
      control: 'select',
      options: PLATFORMS,
      initial: 'generic',
    });
    expect(byName.tags?.control).toBe('textarea');
    expect(byName.port).toMatchObject({ control: 'text', numeric: true, required: false });
    expect(DEVICE_FORM_FIELDS.filter((f) => f.required).map((f) => f.name)).toEqual([
      'hostname',
      'ip',
      'username',
      'credRef',
    ]);
    expect(DEVICE_FORM_FIELDS.filter((f) => f.nullable).map((f) => f.name)).toEqual([
      'vendor',
      'model',
      'site',
    ]);
  });

  it('require on create exactly the fields the definition requires', () => {
    const result = DeviceCreate.safeParse({});
    expect(result.success).toBe(false);
    const missing = result.error?.issues.map((i) => i.path.join('.'));
    expect(missing).toEqual(fields.filter((f) => specs[f]?.create === 'required'));
  });

  it('sort lists by the sortable fields and the timestamps', () => {
    expect([...DEVICE_SORT_FIELDS]).toEqual([
      'hostname',
      'ip',
      'protocol',
      'port',
      'platform',
      'vendor',
      'model',
      'site',
      'createdAt',
      'updatedAt',
    ]);
  });
});

describe('inventory file cells', () => {
  const tags = (cell: string) =>
    Object.fromEntries(cell.split(';').map((kv) => kv.split('=') as [string, string]));

  it('read a CSV row as a device: aliases, numbers, tags and JSON; empty cells left out', () => {
    expect(
      fromCsvCells(
        DEVICE_FILE_COLUMNS,
        {
          ' hostname ': ' r1 ',
          ip: '192.0.2.1',
          port: '2222',
          cred_ref: 'env:LAB',
          vendor: '',
          tags: 'a=1;b=2',
          metadata: '{"rack":4}',
          extra: 'kept',
        },
        { tags },
      ),
    ).toEqual({
      hostname: 'r1',
      ip: '192.0.2.1',
      port: 2222,
      credRef: 'env:LAB',
      tags: { a: '1', b: '2' },
      metadata: { rack: 4 },
      extra: 'kept',
    });
  });

  it('leave what they cannot read as text, for the schema to refuse', () => {
    expect(fromCsvCells(DEVICE_FILE_COLUMNS, { port: '22x', metadata: '{bad' }, { tags })).toEqual({
      port: '22x',
      metadata: '{bad',
    });
  });

  it('write a device back as cells that read as the same device', () => {
    const device = DeviceCreate.parse({
      hostname: 'r1',
      ip: '192.0.2.1',
      port: 2222,
      username: 'u',
      credRef: 'env:LAB',
      site: 'dc1',
      tags: { a: '1' },
      metadata: { rack: 4 },
    });
    const cells = toCsvCells(DEVICE_FILE_COLUMNS, device, (t) =>
      Object.entries(t)
        .map(([k, v]) => `${k}=${v}`)
        .join(';'),
    );
    expect(Object.keys(cells)).toEqual(fields);
    expect(cells).toMatchObject({ tags: 'a=1', metadata: '{"rack":4}', port: 2222 });
    const text = Object.fromEntries(
      Object.entries(cells).map(([k, v]) => [k, v == null ? '' : String(v as string | number)]),
    );
    expect(DeviceCreate.parse(fromCsvCells(DEVICE_FILE_COLUMNS, text, { tags }))).toEqual(device);
  });
});
