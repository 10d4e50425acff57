import { DEVICE_FIELDS, Device as DeviceRecord } from '@netauto/schema';
import { QueryTypes } from 'sequelize';
import { describe, expect, it } from 'vitest';
import { useTestDatabase } from '../../test/db.js';
import { Device } from '../models/index.js';
import { DEVICE_COLUMN_MAP } from '../models/device.model.js';
import { DEVICE_COLUMNS } from './devices.repo.js';

/**
 * The device fields are defined once, in @netauto/schema; the model, the repository's
 * columns and the migrations must agree with that definition. A field added there and
 * not to the database fails here.
 */
describe('device fields in the database', async () => {
  const { db } = await useTestDatabase();
  const fields = Object.keys(DEVICE_FIELDS);

  it('maps every field of the definition to a column, in order', () => {
    expect(DEVICE_COLUMN_MAP.map((c) => c.field)).toEqual(fields);
  });

  it('gives the model an attribute per field, on its column', () => {
    const attributes: Record<string, { field?: string; allowNull?: boolean }> = db.sequelize
      .getRepository(Device)
      .getAttributes();
    for (const { field, column, allowNull } of DEVICE_COLUMN_MAP) {
      expect(attributes, field).toHaveProperty(field);
      expect(attributes[field]).toMatchObject({
        field: column,
        allowNull,
      });
    }
  });

  it('has every column in the devices table, with its type and nullability', async () => {
    const columns = await db.sequelize.query<{
      column_name: string;
      udt_name: string;
      is_nullable: 'YES' | 'NO';
    }>(
      `SELECT column_name, udt_name, is_nullable FROM information_schema.columns
       WHERE table_schema = 'public' AND table_name = 'devices'`,
      { type: QueryTypes.SELECT },
    );
    const byName = new Map(columns.map((c) => [c.column_name, c]));
    const sqlTypes: Record<string, string> = {
      text: 'text',
      varchar: 'varchar',
      inet: 'inet',
      integer: 'int4',
      jsonb: 'jsonb',
      boolean: 'bool',
    };
    for (const { field, column, type, nullable } of DEVICE_COLUMN_MAP) {
      const found = byName.get(column);
      expect(
        found,
        `${field}: no column ${column} in devices (a migration is missing)`,
      ).toBeDefined();
      expect(found?.udt_name, field).toBe(sqlTypes[type]);
      expect(found?.is_nullable, field).toBe(nullable ? 'YES' : 'NO');
    }
  });

  it('reads back, through DEVICE_COLUMNS, exactly the fields of a device record', async () => {
    const rows = await db.sequelize.query<Record<string, unknown>>(
      `SELECT ${DEVICE_COLUMNS} FROM devices d LIMIT 0`,
      { type: QueryTypes.SELECT, raw: true },
    );
    expect(rows).toEqual([]);
    expect(
      DEVICE_COLUMNS.split(', ').map((c) =>
        /(?:"(\w+)"|d\.(\w+))$/.exec(c)?.slice(1).find(Boolean),
      ),
    ).toEqual(Object.keys(DeviceRecord.shape));
  });
});
