import type { Migration } from './types.js';

/**
 * A run whose worker died before it printed anything is tried once more: it goes back
 * from running to pending as its second attempt. Any other status change stays one way.
 */
export const runRetry: Migration = {
  name: '0005-run-retry',
  async up({ context: sql }) {
    await sql(`
      ALTER TABLE runs
        ADD COLUMN attempt smallint NOT NULL DEFAULT 1 CONSTRAINT runs_attempt_check CHECK (attempt BETWEEN 1 AND 2);
      CREATE OR REPLACE FUNCTION runs_status_transition() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.status IS DISTINCT FROM OLD.status AND NOT (
          (OLD.status = 'pending' AND NEW.status IN ('running','error')) OR
          (OLD.status = 'running' AND NEW.status IN ('ok','error')) OR
          (OLD.status = 'running' AND NEW.status = 'pending'
            AND NEW.attempt = OLD.attempt + 1 AND OLD.chunks = 0)
        ) THEN
          RAISE EXCEPTION 'run % cannot go from % to %', OLD.id, OLD.status, NEW.status
            USING ERRCODE = 'check_violation', CONSTRAINT = 'runs_status_transition';
        END IF;
        RETURN NEW;
      END $$;
    `);
  },
  async down({ context: sql }) {
    await sql(`
      CREATE OR REPLACE FUNCTION runs_status_transition() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.status IS DISTINCT FROM OLD.status AND NOT (
          (OLD.status = 'pending' AND NEW.status IN ('running','error')) OR
          (OLD.status = 'running' AND NEW.status IN ('ok','error'))
        ) THEN
          RAISE EXCEPTION 'run % cannot go from % to %', OLD.id, OLD.status, NEW.status
            USING ERRCODE = 'check_violation', CONSTRAINT = 'runs_status_transition';
        END IF;
        RETURN NEW;
      END $$;
      ALTER TABLE runs DROP COLUMN attempt;
    `);
  },
};
