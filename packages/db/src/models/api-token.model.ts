import { BelongsTo, Column, DataType, ForeignKey, Model, Table } from 'sequelize-typescript';
import { User } from './user.model.js';

@Table({ tableName: 'api_tokens', underscored: true, timestamps: true })
export class ApiToken extends Model {
  @Column({ type: DataType.INTEGER, primaryKey: true, autoIncrement: true })
  declare id: number;

  @ForeignKey(() => User)
  @Column({ type: DataType.INTEGER, allowNull: false })
  declare userId: number;

  @Column({ type: DataType.TEXT, allowNull: false })
  declare name: string;

  /** The first characters of the token, to recognise it in a list. */
  @Column({ type: DataType.TEXT, allowNull: false })
  declare prefix: string;

  @Column({ type: DataType.TEXT, allowNull: false })
  declare tokenHash: string;

  @Column({ type: DataType.BOOLEAN, allowNull: false, defaultValue: false })
  declare readOnly: boolean;

  @Column({ type: DataType.DATE, allowNull: true })
  declare expiresAt: Date | null;

  @Column({ type: DataType.DATE, allowNull: true })
  declare lastUsedAt: Date | null;

  @Column({ type: DataType.DATE, allowNull: true })
  declare revokedAt: Date | null;

  @BelongsTo(() => User, { foreignKey: 'userId', onDelete: 'CASCADE' })
  declare user?: User;

  declare createdAt: Date;
  declare updatedAt: Date;
}
