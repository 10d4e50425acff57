import { Logger, runMigrations } from 'graphile-worker';

/** The schema graphile-worker keeps its jobs in. */
export const QUEUE_SCHEMA = 'graphile_worker';

/** graphile-worker's own messages: errors to stderr, the rest nowhere. */
export const queueLogger = new Logger(() => (level, message) => {
  // LogLevel is a const enum, which isolated modules cannot name: compare its text.
  if ((level as string) === 'error') console.error(`queue: ${message}`);
});

/**
 * Creates or updates the job queue's tables (graphile-worker's own migrations), so that
 * a migrated database can take runs from any process.
 */
export async function migrateQueue(url: string): Promise<void> {
  await runMigrations({ connectionString: url, logger: queueLogger });
}
