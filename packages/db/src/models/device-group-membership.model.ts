import { BelongsTo, Column, DataType, ForeignKey, Model, Table } from 'sequelize-typescript';
import type { MembershipRole } from '@netauto/schema';
import { Device } from './device.model.js';
import { DeviceGroup } from './device-group.model.js';

@Table({ tableName: 'device_group_memberships', underscored: true, timestamps: true })
export class DeviceGroupMembership extends Model {
  @Column({ type: DataType.INTEGER, primaryKey: true, autoIncrement: true })
  declare id: number;

  @ForeignKey(() => Device)
  @Column({ type: DataType.INTEGER, allowNull: false })
  declare deviceId: number;

  @ForeignKey(() => DeviceGroup)
  @Column({ type: DataType.INTEGER, allowNull: false })
  declare groupId: number;

  @Column({ type: DataType.TEXT, allowNull: false, defaultValue: 'member' })
  declare role: MembershipRole;

  @BelongsTo(() => Device, { foreignKey: 'deviceId', onDelete: 'CASCADE' })
  declare device?: Device;

  @BelongsTo(() => DeviceGroup, { foreignKey: 'groupId', onDelete: 'CASCADE' })
  declare group?: DeviceGroup;

  declare createdAt: Date;
  declare updatedAt: Date;
}
