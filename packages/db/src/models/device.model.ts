import { Column, DataType, HasMany, Model, Table } from 'sequelize-typescript';
import type { DataType as SequelizeDataType } from 'sequelize';
import { DEVICE_FIELDS, type Device as DeviceRecord, type DeviceField } from '@netauto/schema';
import { DeviceGroupMembership } from './device-group-membership.model.js';

/** The SQL types device columns have. */
export type ColumnType = 'text' | 'varchar' | 'inet' | 'integer' | 'jsonb' | 'boolean';

/** A device field's column: derived from the field's definition in @netauto/schema. */
export interface DeviceColumn {
  field: DeviceField;
  /** The field's name in snake case. */
  column: string;
  type: ColumnType;
  /** Its SQL type name, as casts and record definitions write it. */
  sqlType: string;
  /** The stored value may be NULL (the field is nullable in a record). */
  nullable: boolean;
  /** A create may leave it NULL: a nullable field, or one the database fills in (the port). */
  allowNull: boolean;
  /** What a create that leaves it out stores, if the definition gives one. */
  defaultValue?: unknown;
}

/** Columns whose type is not the one the field's record type gives. */
const COLUMN_TYPES: Partial<Record<DeviceField, { type: ColumnType; sqlType: string }>> = {
  hostname: { type: 'varchar', sqlType: 'varchar' },
  ip: { type: 'inet', sqlType: 'inet' },
};

interface ZodLike {
  def: { type: string; innerType?: ZodLike };
}

/** The column type a record type maps to: text, numbers, JSON objects and flags. */
function columnTypeOf(field: DeviceField, record: ZodLike): { type: ColumnType; sqlType: string } {
  const own = COLUMN_TYPES[field];
  if (own) return own;
  let type = record;
  while (type.def.type === 'nullable' && type.def.innerType) type = type.def.innerType;
  switch (type.def.type) {
    case 'string':
    case 'enum':
      return { type: 'text', sqlType: 'text' };
    case 'number':
      return { type: 'integer', sqlType: 'integer' };
    case 'record':
    case 'object':
      return { type: 'jsonb', sqlType: 'jsonb' };
    case 'boolean':
      return { type: 'boolean', sqlType: 'boolean' };
    default:
      throw new Error(`device field ${field}: no column type for a ${type.def.type}`);
  }
}

const snake = (name: string) => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** Every device field's column, in the definition's order. */
export const DEVICE_COLUMN_MAP: readonly DeviceColumn[] = (
  Object.entries(DEVICE_FIELDS) as [DeviceField, (typeof DEVICE_FIELDS)[DeviceField]][]
).map(([field, spec]): DeviceColumn => {
  const rule = spec.create as unknown;
  const record = spec.record as unknown as ZodLike;
  const nullable = record.def.type === 'nullable';
  return {
    field,
    column: snake(field),
    ...columnTypeOf(field, record),
    nullable,
    allowNull: nullable || rule === 'optional' || rule === 'nullable',
    ...(typeof rule === 'object' &&
      rule !== null && { defaultValue: (rule as { default: unknown }).default }),
  };
});

function dataTypeOf(column: DeviceColumn): SequelizeDataType {
  switch (column.type) {
    case 'text':
      return DataType.TEXT;
    case 'varchar':
      return DataType.STRING(253);
    case 'inet':
      return DataType.INET;
    case 'integer':
      return DataType.INTEGER;
    case 'jsonb':
      return DataType.JSONB;
    case 'boolean':
      return DataType.BOOLEAN;
  }
}

/** The fields of a device as a model instance holds them. */
export type DeviceValues = Pick<DeviceRecord, DeviceField>;

// The field attributes are not declared one by one: they come from DEVICE_COLUMN_MAP
// (registered below) and their types from the schema's definition, through this interface.
// It only declares what the model already holds, as `declare` would.
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging, @typescript-eslint/no-empty-object-type
export interface Device extends DeviceValues {}

@Table({ tableName: 'devices', underscored: true, timestamps: true })
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export class Device extends Model {
  @Column({ type: DataType.INTEGER, primaryKey: true, autoIncrement: true })
  declare id: number;

  @HasMany(() => DeviceGroupMembership, { foreignKey: 'deviceId' })
  declare memberships?: DeviceGroupMembership[];

  declare createdAt: Date;
  declare updatedAt: Date;
}

// One attribute per field, as `@Column` would declare it.
for (const column of DEVICE_COLUMN_MAP) {
  const decorate = Column({
    type: dataTypeOf(column),
    allowNull: column.allowNull,
    ...(column.defaultValue !== undefined && { defaultValue: column.defaultValue }),
  }) as PropertyDecorator;
  decorate(Device.prototype, column.field);
}
