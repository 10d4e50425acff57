import type { Migration } from './types.js';

/**
 * A running run's worker says it is alive now and then; a run whose heartbeat stops
 * (its worker died) is ended as worker_lost by another worker.
 */
export const runHeartbeat: Migration = {
  name: '0004-run-heartbeat',
  async up({ context: sql }) {
    await sql(`
      ALTER TABLE runs
        ADD COLUMN worker_id text,
        ADD COLUMN heartbeat_at timestamptz;
      CREATE INDEX runs_running_heartbeat_idx ON runs (heartbeat_at) WHERE status = 'running';
    `);
  },
  async down({ context: sql }) {
    await sql(`
      DROP INDEX runs_running_heartbeat_idx;
      ALTER TABLE runs DROP COLUMN worker_id, DROP COLUMN heartbeat_at;
    `);
  },
};
