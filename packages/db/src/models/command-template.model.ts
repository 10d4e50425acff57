import { Column, DataType, Model, Table } from 'sequelize-typescript';
import type { TemplateMode, TemplateVariable } from '@netauto/schema';

@Table({ tableName: 'command_templates', underscored: true, timestamps: true })
export class CommandTemplate extends Model {
  @Column({ type: DataType.INTEGER, primaryKey: true, autoIncrement: true })
  declare id: number;

  @Column({ type: DataType.TEXT, allowNull: false })
  declare name: string;

  @Column({ type: DataType.TEXT, allowNull: false })
  declare body: string;

  @Column({ type: DataType.TEXT, allowNull: false, defaultValue: 'read' })
  declare mode: TemplateMode;

  @Column({ type: DataType.JSONB, allowNull: false, defaultValue: {} })
  declare variables: Record<string, TemplateVariable>;

  @Column({ type: DataType.BOOLEAN, allowNull: false, defaultValue: true })
  declare enabled: boolean;

  @Column({ type: DataType.TEXT, allowNull: true })
  declare notes: string | null;

  @Column({ type: DataType.INTEGER, allowNull: true })
  declare commandTimeoutMs: number | null;

  declare createdAt: Date;
  declare updatedAt: Date;
}
