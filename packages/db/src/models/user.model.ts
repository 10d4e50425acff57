import { Column, DataType, Model, Table } from 'sequelize-typescript';
import type { UserRole } from '@netauto/schema';

@Table({ tableName: 'users', underscored: true, timestamps: true })
export class User extends Model {
  @Column({ type: DataType.INTEGER, primaryKey: true, autoIncrement: true })
  declare id: number;

  /** Unique without regard to case (a unique index on lower(email)). */
  @Column({ type: DataType.TEXT, allowNull: false })
  declare email: string;

  /** argon2id; never leaves the database layer. */
  @Column({ type: DataType.TEXT, allowNull: false })
  declare passwordHash: string;

  @Column({ type: DataType.TEXT, allowNull: false, defaultValue: 'viewer' })
  declare role: UserRole;

  @Column({ type: DataType.BOOLEAN, allowNull: false, defaultValue: false })
  declare disabled: boolean;

  declare createdAt: Date;
  declare updatedAt: Date;
}
