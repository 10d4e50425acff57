import type { Migration } from './types.js';

/** The start function: as it is now, or as 0005 made it (for going back). */
const startFunction = (deviceCheck: boolean) => `
  CREATE OR REPLACE FUNCTION runs_start_within_quota(
    run_id integer, worker text, max_global integer, max_site integer
  ) RETURNS SETOF runs LANGUAGE plpgsql VOLATILE AS $$
  DECLARE
    run_status text;
    run_site text;
    run_device integer;
    total integer;
    on_site integer;
  BEGIN
    ${
      deviceCheck
        ? `-- The lock every start needs first, taken before this transaction writes
    -- anything: a start waiting for it holds no transaction id, so it never holds back
    -- readers of changes in commit order (a bulk's progress). Then the run's row, not
    -- waited for: held by a cancel, the run is looked at again later, as over quota.
    PERFORM pg_advisory_xact_lock(727316402);
    SELECT r.status, coalesce(d.site, 'default'), r.device_id
      INTO run_status, run_site, run_device
      FROM runs r JOIN devices d ON d.id = r.device_id WHERE r.id = run_id
      FOR UPDATE OF r SKIP LOCKED;
    IF NOT FOUND THEN
      RETURN QUERY SELECT * FROM runs WHERE id = run_id;
      RETURN;
    END IF;`
        : `-- The run's own row first: a cancel holding it is waited for without holding
    -- the lock every start needs.
    SELECT r.status, coalesce(d.site, 'default'), r.device_id
      INTO run_status, run_site, run_device
      FROM runs r JOIN devices d ON d.id = r.device_id WHERE r.id = run_id
      FOR UPDATE OF r;
    IF NOT FOUND THEN
      RETURN;
    END IF;
    PERFORM pg_advisory_xact_lock(727316402);`
    }
    IF run_status <> 'pending' THEN
      RAISE EXCEPTION 'run % is % and cannot become running', run_id, run_status
        USING ERRCODE = 'check_violation', CONSTRAINT = 'runs_status_transition';
    END IF;
    ${
      deviceCheck
        ? `-- One run at a time per device, in the order asked, whatever hands out the
    -- jobs: a run waits (as a run over quota does) while its device is busy, or while
    -- an older run of its device waits with a job that will come back (a job that
    -- failed for good holds nothing up).
    IF EXISTS (SELECT 1 FROM runs r WHERE r.device_id = run_device AND r.status = 'running')
      OR EXISTS (
        SELECT 1 FROM runs o JOIN graphile_worker.jobs j ON j.key = 'run:' || o.id
        WHERE o.device_id = run_device AND o.status = 'pending' AND o.id < run_id
          AND (j.attempts < j.max_attempts OR j.locked_at IS NOT NULL)
      ) THEN
      RETURN QUERY SELECT * FROM runs WHERE id = run_id;
      RETURN;
    END IF;`
        : ''
    }
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
  END $$;`;

/**
 * A run starts only when no other run of its device is running and no older one waits,
 * checked under the start lock: the queue's per-device order no longer has to be the
 * only guard, so that workers may take jobs in batches.
 */
export const runDeviceBusy: Migration = {
  name: '0007-run-device-busy',
  async up({ context: sql }) {
    await sql(startFunction(true));
  },
  async down({ context: sql }) {
    await sql(startFunction(false));
  },
};
