import { BelongsTo, Column, DataType, ForeignKey, Model, Table } from 'sequelize-typescript';
import { Run } from './run.model.js';

/** Append-only output of a run; (run_id, seq) is the primary key. */
@Table({ tableName: 'run_chunks', underscored: true, timestamps: true, updatedAt: false })
export class RunChunk extends Model {
  @ForeignKey(() => Run)
  @Column({ type: DataType.INTEGER, primaryKey: true })
  declare runId: number;

  @Column({ type: DataType.INTEGER, primaryKey: true })
  declare seq: number;

  @Column({ type: DataType.TEXT, allowNull: false })
  declare data: string;

  @BelongsTo(() => Run, { foreignKey: 'runId', onDelete: 'CASCADE' })
  declare run?: Run;

  declare createdAt: Date;
}
