import 'reflect-metadata';
import pg from 'pg';
import { QueryTypes, type Transaction } from 'sequelize';
import { Sequelize } from 'sequelize-typescript';
import { MODELS } from './models/index.js';
import { createMigrator, withMigrationLock, type MigrationStatus } from './migrator.js';
import { migrateQueue, QUEUE_SCHEMA } from './queue-schema.js';
import { PreparingClient, usePool } from './sql.js';

export interface ConnectOptions {
  /** Largest number of pooled connections (default 10). */
  poolMax?: number;
  /** Print every SQL statement (default off). */
  logSql?: boolean;
  /** A name shown in pg_stat_activity. */
  applicationName?: string;
}

/**
 * One PostgreSQL database: Sequelize, with its models bound to it, for model calls and
 * transactions; and a pg pool of its own for the statements that repositories send
 * outside a transaction (see `select` in sql.ts), measured cheaper per statement than
 * going through Sequelize's query pipeline.
 */
export class Database {
  readonly sequelize: Sequelize;
  readonly pool: pg.Pool;
  private closing: Promise<void> | undefined;

  constructor(
    readonly url: string,
    options: ConnectOptions = {},
  ) {
    this.sequelize = new Sequelize(url, {
      dialect: 'postgres',
      dialectModule: { ...pg, Client: PreparingClient },
      // Models are bound per instance, so that two databases can live in one process.
      repositoryMode: true,
      models: MODELS,
      logging: options.logSql
        ? (sql) => {
            console.error(sql);
          }
        : false,
      pool: { max: options.poolMax ?? 10, min: 0, idle: 10_000, acquire: 30_000 },
      dialectOptions: { application_name: options.applicationName ?? 'netauto' },
    });
    this.pool = new pg.Pool({
      connectionString: url,
      Client: PreparingClient,
      max: options.poolMax ?? 10,
      idleTimeoutMillis: 10_000,
      connectionTimeoutMillis: 30_000,
      application_name: options.applicationName ?? 'netauto',
      // The session settings Sequelize gives its own connections: times in UTC.
      options: '-c TimeZone=UTC -c client_min_messages=warning',
    });
    // An idle connection lost (the server restarted) is dropped by the pool, and the next
    // statement opens a new one; without a listener, the error would end the process.
    this.pool.on('error', () => undefined);
    usePool(this.sequelize, this.pool);
  }

  /** Runs `fn` in a transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(fn: (transaction: Transaction) => Promise<T>): Promise<T> {
    return this.sequelize.transaction(fn);
  }

  /** Applies every pending migration; a no-op when none is pending. */
  async migrate(): Promise<string[]> {
    return withMigrationLock(this.url, async () => {
      const done = await createMigrator(this.sequelize).up();
      await migrateQueue(this.url);
      return done.map((m) => m.name);
    });
  }

  /** Undoes the last applied migration, or `steps` of them. */
  async rollback(steps = 1): Promise<string[]> {
    return withMigrationLock(this.url, async () => {
      const migrator = createMigrator(this.sequelize);
      const applied = await migrator.executed();
      if (applied.length === 0) return [];
      const target = applied.length - steps;
      const done =
        target <= 0 ? await migrator.down({ to: 0 }) : await migrator.down({ step: steps });
      return done.map((m) => m.name);
    });
  }

  /** Drops every object in the public schema, then applies every migration. */
  async reset(): Promise<string[]> {
    return withMigrationLock(this.url, async () => {
      await this.sequelize.query(
        `DROP SCHEMA IF EXISTS ${QUEUE_SCHEMA} CASCADE; DROP SCHEMA public CASCADE; CREATE SCHEMA public;`,
      );
      const done = await createMigrator(this.sequelize).up();
      await migrateQueue(this.url);
      return done.map((m) => m.name);
    });
  }

  async migrationStatus(): Promise<MigrationStatus> {
    const migrator = createMigrator(this.sequelize);
    const [applied, pending] = await Promise.all([migrator.executed(), migrator.pending()]);
    return { applied: applied.map((m) => m.name), pending: pending.map((m) => m.name) };
  }

  /** Rows of a statement, for tools and tests; application code goes through repositories. */
  async rows<T extends object>(sql: string, bind: unknown[] = []): Promise<T[]> {
    return this.sequelize.query<T>(sql, { bind, type: QueryTypes.SELECT });
  }

  async ping(): Promise<void> {
    await this.sequelize.query('SELECT 1');
  }

  async close(): Promise<void> {
    this.closing ??= Promise.all([this.sequelize.close(), this.pool.end()]).then(() => undefined);
    await this.closing;
  }
}

export function connectDatabase(url: string, options?: ConnectOptions): Database {
  return new Database(url, options);
}
