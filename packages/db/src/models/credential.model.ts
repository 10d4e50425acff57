import { Column, DataType, Model, Table } from 'sequelize-typescript';

/** A `db:NAME` secret, encrypted by the runner (AES-256-GCM); write-only through the API. */
@Table({ tableName: 'credentials', underscored: true, timestamps: true })
export class Credential extends Model {
  @Column({ type: DataType.INTEGER, primaryKey: true, autoIncrement: true })
  declare id: number;

  @Column({ type: DataType.TEXT, allowNull: false })
  declare name: string;

  @Column({ type: DataType.TEXT, allowNull: true })
  declare username: string | null;

  @Column({ type: DataType.BLOB, allowNull: false })
  declare ciphertext: Buffer;

  /** The networks where it may be used; with scopeSites, empty for none set (refused). */
  @Column({ type: DataType.ARRAY(DataType.CIDR), allowNull: false, defaultValue: [] })
  declare scopeCidrs: string[];

  /** The sites where it may be used. */
  @Column({ type: DataType.ARRAY(DataType.TEXT), allowNull: false, defaultValue: [] })
  declare scopeSites: string[];

  declare createdAt: Date;
  declare updatedAt: Date;
}
