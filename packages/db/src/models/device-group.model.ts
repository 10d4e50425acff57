import { Column, DataType, HasMany, Model, Table } from 'sequelize-typescript';
import { DeviceGroupMembership } from './device-group-membership.model.js';

@Table({ tableName: 'device_groups', underscored: true, timestamps: true })
export class DeviceGroup extends Model {
  @Column({ type: DataType.INTEGER, primaryKey: true, autoIncrement: true })
  declare id: number;

  @Column({ type: DataType.TEXT, allowNull: false })
  declare name: string;

  @Column({ type: DataType.TEXT, allowNull: true })
  declare description: string | null;

  @Column({ type: DataType.TEXT, allowNull: true })
  declare site: string | null;

  @Column({ type: DataType.JSONB, allowNull: false, defaultValue: {} })
  declare tags: Record<string, string>;

  @Column({ type: DataType.JSONB, allowNull: false, defaultValue: {} })
  declare metadata: Record<string, unknown>;

  @HasMany(() => DeviceGroupMembership, { foreignKey: 'groupId' })
  declare memberships?: DeviceGroupMembership[];

  declare createdAt: Date;
  declare updatedAt: Date;
}
