import { Column, DataType, HasMany, Model, Table } from 'sequelize-typescript';
import type { Platform, Protocol } from '@netauto/schema';
import { DeviceGroupMembership } from './device-group-membership.model.js';

@Table({ tableName: 'devices', underscored: true, timestamps: true })
export class Device extends Model {
  @Column({ type: DataType.INTEGER, primaryKey: true, autoIncrement: true })
  declare id: number;

  @Column({ type: DataType.STRING(253), allowNull: false })
  declare hostname: string;

  @Column({ type: DataType.INET, allowNull: false })
  declare ip: string;

  @Column({ type: DataType.TEXT, allowNull: false, defaultValue: 'ssh' })
  declare protocol: Protocol;

  /** Filled by the database from the protocol (22 or 23) when left out. */
  @Column({ type: DataType.INTEGER, allowNull: true })
  declare port: number;

  @Column({ type: DataType.TEXT, allowNull: false })
  declare username: string;

  @Column({ type: DataType.TEXT, allowNull: false })
  declare credRef: string;

  @Column({ type: DataType.TEXT, allowNull: false, defaultValue: 'generic' })
  declare platform: Platform;

  @Column({ type: DataType.TEXT, allowNull: true })
  declare vendor: string | null;

  @Column({ type: DataType.TEXT, allowNull: true })
  declare model: string | null;

  @Column({ type: DataType.TEXT, allowNull: true })
  declare site: string | null;

  @Column({ type: DataType.JSONB, allowNull: false, defaultValue: {} })
  declare tags: Record<string, string>;

  @Column({ type: DataType.JSONB, allowNull: false, defaultValue: {} })
  declare metadata: Record<string, unknown>;

  @HasMany(() => DeviceGroupMembership, { foreignKey: 'deviceId' })
  declare memberships?: DeviceGroupMembership[];

  declare createdAt: Date;
  declare updatedAt: Date;
}
