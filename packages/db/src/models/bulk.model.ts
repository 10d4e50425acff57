import { BelongsTo, Column, DataType, ForeignKey, Model, Table } from 'sequelize-typescript';
import { CommandTemplate } from './command-template.model.js';
import { User } from './user.model.js';

@Table({ tableName: 'bulks', underscored: true, timestamps: true })
export class Bulk extends Model {
  @Column({ type: DataType.INTEGER, primaryKey: true, autoIncrement: true })
  declare id: number;

  @ForeignKey(() => User)
  @Column({ type: DataType.INTEGER, allowNull: true })
  declare requestedBy: number | null;

  @Column({ type: DataType.TEXT, allowNull: true })
  declare requestedByEmail: string | null;

  @ForeignKey(() => CommandTemplate)
  @Column({ type: DataType.INTEGER, allowNull: true })
  declare templateId: number | null;

  @Column({ type: DataType.TEXT, allowNull: true })
  declare command: string | null;

  /** The target as it was asked for: a group, a list of devices or a filter. */
  @Column({ type: DataType.JSONB, allowNull: false, defaultValue: {} })
  declare target: Record<string, unknown>;

  @Column({ type: DataType.INTEGER, allowNull: false, defaultValue: 0 })
  declare total: number;

  @Column({ type: DataType.TEXT, allowNull: false, defaultValue: 'read' })
  declare mode: 'read' | 'change';

  @Column({ type: DataType.DATE, allowNull: true })
  declare canceledAt: Date | null;

  @BelongsTo(() => CommandTemplate, { foreignKey: 'templateId', onDelete: 'SET NULL' })
  declare template?: CommandTemplate | null;

  declare createdAt: Date;
  declare updatedAt: Date;
}
