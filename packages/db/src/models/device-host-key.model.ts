import { Column, DataType, Model, Table } from 'sequelize-typescript';

/** The host key a device is pinned to: the key it was first trusted with, or one an admin accepted. */
@Table({ tableName: 'device_host_keys', underscored: true, timestamps: false })
export class DeviceHostKey extends Model {
  @Column({ type: DataType.INTEGER, primaryKey: true })
  declare deviceId: number;

  @Column({ type: DataType.TEXT, allowNull: false })
  declare keyType: string;

  @Column({ type: DataType.TEXT, allowNull: false })
  declare fingerprint: string;

  @Column({ type: DataType.DATE, allowNull: false, defaultValue: DataType.NOW })
  declare pinnedAt: Date;
}
