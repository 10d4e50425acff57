import { Column, DataType, Model, Table } from 'sequelize-typescript';

@Table({ tableName: 'known_hosts', underscored: true, timestamps: false })
export class KnownHost extends Model {
  @Column({ type: DataType.INTEGER, primaryKey: true, autoIncrement: true })
  declare id: number;

  @Column({ type: DataType.TEXT, allowNull: false })
  declare host: string;

  @Column({ type: DataType.INTEGER, allowNull: false })
  declare port: number;

  /** The trusted key; null while only a pending key is known. */
  @Column({ type: DataType.TEXT, allowNull: true })
  declare keyType: string | null;

  @Column({ type: DataType.TEXT, allowNull: true })
  declare fingerprint: string | null;

  @Column({ type: DataType.DATE, allowNull: false, defaultValue: DataType.NOW })
  declare firstSeenAt: Date;

  @Column({ type: DataType.DATE, allowNull: false, defaultValue: DataType.NOW })
  declare lastSeenAt: Date;

  /** A different key seen since, waiting for an admin to accept it. */
  @Column({ type: DataType.TEXT, allowNull: true })
  declare pendingKeyType: string | null;

  @Column({ type: DataType.TEXT, allowNull: true })
  declare pendingFingerprint: string | null;

  @Column({ type: DataType.DATE, allowNull: true })
  declare pendingSeenAt: Date | null;
}
