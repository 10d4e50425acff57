import { BelongsTo, Column, DataType, ForeignKey, Model, Table } from 'sequelize-typescript';
import type { RunErrorReason, RunStatus, TemplateMode } from '@netauto/schema';
import { Bulk } from './bulk.model.js';
import { CommandTemplate } from './command-template.model.js';
import { Device } from './device.model.js';
import { User } from './user.model.js';

@Table({ tableName: 'runs', underscored: true, timestamps: true })
export class Run extends Model {
  @Column({ type: DataType.INTEGER, primaryKey: true, autoIncrement: true })
  declare id: number;

  @ForeignKey(() => Device)
  @Column({ type: DataType.INTEGER, allowNull: false })
  declare deviceId: number;

  @ForeignKey(() => CommandTemplate)
  @Column({ type: DataType.INTEGER, allowNull: true })
  declare templateId: number | null;

  @ForeignKey(() => Bulk)
  @Column({ type: DataType.INTEGER, allowNull: true })
  declare bulkId: number | null;

  @Column({ type: DataType.TEXT, allowNull: false })
  declare command: string;

  @Column({ type: DataType.TEXT, allowNull: false, defaultValue: 'read' })
  declare mode: TemplateMode;

  @Column({ type: DataType.TEXT, allowNull: false, defaultValue: 'pending' })
  declare status: RunStatus;

  @Column({ type: DataType.TEXT, allowNull: true })
  declare errorReason: RunErrorReason | null;

  @Column({ type: DataType.TEXT, allowNull: true })
  declare errorMessage: string | null;

  /** BIGINT: the driver hands it back as a string. */
  @Column({ type: DataType.BIGINT, allowNull: false, defaultValue: 0 })
  declare bytes: string | number;

  /** How many chunks are stored; the next chunk's seq. */
  @Column({ type: DataType.INTEGER, allowNull: false, defaultValue: 0 })
  declare chunks: number;

  @Column({ type: DataType.INTEGER, allowNull: true })
  declare exitCode: number | null;

  /** 1, or 2 for the retry of a run whose worker died before it printed anything. */
  @Column({ type: DataType.SMALLINT, allowNull: false, defaultValue: 1 })
  declare attempt: number;

  @ForeignKey(() => User)
  @Column({ type: DataType.INTEGER, allowNull: true })
  declare requestedBy: number | null;

  @Column({ type: DataType.TEXT, allowNull: true })
  declare requestedByEmail: string | null;

  @Column({ type: DataType.DATE, allowNull: false, defaultValue: DataType.NOW })
  declare requestedAt: Date;

  @Column({ type: DataType.DATE, allowNull: true })
  declare startedAt: Date | null;

  @Column({ type: DataType.DATE, allowNull: true })
  declare finishedAt: Date | null;

  /** The worker running it, and when that worker last said it is alive. */
  @Column({ type: DataType.TEXT, allowNull: true })
  declare workerId: string | null;

  @Column({ type: DataType.DATE, allowNull: true })
  declare heartbeatAt: Date | null;

  @BelongsTo(() => Device, { foreignKey: 'deviceId', onDelete: 'RESTRICT' })
  declare device?: Device;

  @BelongsTo(() => CommandTemplate, { foreignKey: 'templateId', onDelete: 'SET NULL' })
  declare template?: CommandTemplate | null;

  @BelongsTo(() => Bulk, { foreignKey: 'bulkId', onDelete: 'SET NULL' })
  declare bulk?: Bulk | null;

  declare createdAt: Date;
  declare updatedAt: Date;
}
