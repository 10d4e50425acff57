import { Column, DataType, ForeignKey, Model, Table } from 'sequelize-typescript';
import { User } from './user.model.js';

@Table({ tableName: 'audit_events', underscored: true, timestamps: true, updatedAt: false })
export class AuditEvent extends Model {
  @Column({ type: DataType.INTEGER, primaryKey: true, autoIncrement: true })
  declare id: number;

  @ForeignKey(() => User)
  @Column({ type: DataType.INTEGER, allowNull: true })
  declare actorId: number | null;

  @Column({ type: DataType.TEXT, allowNull: true })
  declare actorEmail: string | null;

  @Column({ type: DataType.TEXT, allowNull: false })
  declare action: string;

  @Column({ type: DataType.TEXT, allowNull: true })
  declare targetType: string | null;

  @Column({ type: DataType.TEXT, allowNull: true })
  declare targetId: string | null;

  /** Redacted before it is written: never a secret. */
  @Column({ type: DataType.JSONB, allowNull: false, defaultValue: {} })
  declare summary: Record<string, unknown>;

  declare createdAt: Date;
}
