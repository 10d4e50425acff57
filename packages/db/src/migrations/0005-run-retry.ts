import type { Migration } from './types.js';

/**
 * A run whose worker died before it printed anything is tried once more: it goes back
 * from running to pending as its second attempt. Any other status change stays one way.
 *
 * Starting a run within the quotas is one function, so that the lock every start takes
 * is held for the function's few statements, not for round trips from a busy worker.
 */
export const runRetry: Migration = {
  name: '0005-run-retry',
  async up({ context: sql }) {
    await sql(`
      ALTER TABLE runs
        ADD COLUMN attempt smallint NOT NULL DEFAULT 1 CONSTRAINT runs_attempt_check CHECK (attempt BETWEEN 1 AND 2),
        -- A cancel asked of a running run: its worker hears of it at once (NOTIFY), or at
        -- its next heartbeat if it missed that.
        ADD COLUMN cancel_requested_at timestamptz;
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

      -- pending -> running if fewer than max_global runs are running in all and fewer
      -- than max_site on the run's site (no site counts as 'default'); announced on
      -- netauto_run_output (by the trigger below). Returns the started run; the run unchanged (still pending)
      -- when a quota is full; nothing when there is no such run.
      CREATE FUNCTION runs_start_within_quota(
        run_id integer, worker text, max_global integer, max_site integer
      ) RETURNS SETOF runs LANGUAGE plpgsql VOLATILE AS $$
      DECLARE
        run_status text;
        run_site text;
        total integer;
        on_site integer;
      BEGIN
        -- The run's own row first: a cancel holding it is waited for without holding
        -- the lock every start needs.
        SELECT r.status, coalesce(d.site, 'default') INTO run_status, run_site
          FROM runs r JOIN devices d ON d.id = r.device_id WHERE r.id = run_id
          FOR UPDATE OF r;
        IF NOT FOUND THEN
          RETURN;
        END IF;
        PERFORM pg_advisory_xact_lock(727316402);
        IF run_status <> 'pending' THEN
          RAISE EXCEPTION 'run % is % and cannot become running', run_id, run_status
            USING ERRCODE = 'check_violation', CONSTRAINT = 'runs_status_transition';
        END IF;
        SELECT count(*), count(*) FILTER (WHERE coalesce(d.site, 'default') = run_site)
          INTO total, on_site
          FROM runs r JOIN devices d ON d.id = r.device_id WHERE r.status = 'running';
        IF total >= max_global OR on_site >= max_site THEN
          RETURN QUERY SELECT * FROM runs WHERE id = run_id;
          RETURN;
        END IF;
        RETURN QUERY UPDATE runs SET status = 'running', started_at = clock_timestamp(),
            worker_id = worker, heartbeat_at = now(), updated_at = now()
          WHERE id = run_id RETURNING *;
      END $$;

      -- Followers of a run's output hear of its start and of its end, whatever ended it
      -- (its worker, a cancel, a bulk's cancel, the sweep of lost workers), at commit.
      CREATE FUNCTION runs_announce_status() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('netauto_run_output',
          NEW.id || ':' || CASE NEW.status WHEN 'running' THEN 'start' ELSE 'end' END);
        RETURN NULL;
      END $$;
      CREATE TRIGGER runs_announce_status AFTER UPDATE OF status ON runs
        FOR EACH ROW WHEN (NEW.status IS DISTINCT FROM OLD.status AND NEW.status <> 'pending')
        EXECUTE FUNCTION runs_announce_status();
    `);
  },
  async down({ context: sql }) {
    await sql(`
      DROP TRIGGER runs_announce_status ON runs;
      DROP FUNCTION runs_announce_status();
      DROP FUNCTION runs_start_within_quota(integer, text, integer, integer);
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
      ALTER TABLE runs DROP COLUMN attempt, DROP COLUMN cancel_requested_at;
    `);
  },
};
