import type { MigrationFn } from 'umzug';

/** Runs SQL inside the migration's transaction. */
export type Sql = (text: string) => Promise<void>;

export interface Migration {
  name: string;
  up: MigrationFn<Sql>;
  down: MigrationFn<Sql>;
}
