import type { Migration } from './types.js';

/**
 * Bulk runs: their mode and cancellation; per run, the transaction that last changed its
 * status (a resumable, gap-free order for progress followers) and a memo of its output's
 * hash; a notification per bulk whenever one of its runs changes status.
 */
export const bulkProgress: Migration = {
  name: '0006-bulk-progress',
  async up({ context: sql }) {
    await sql(`
      ALTER TABLE bulks
        ADD COLUMN mode text NOT NULL DEFAULT 'read' CHECK (mode IN ('read','change')),
        ADD COLUMN canceled_at timestamptz;

      ALTER TABLE runs
        ADD COLUMN status_xid xid8,
        ADD COLUMN output_hash text;
      -- Added without a default first: a volatile default would rewrite the table.
      ALTER TABLE runs ALTER COLUMN status_xid SET DEFAULT pg_current_xact_id();

      CREATE INDEX runs_bulk_status_xid_idx ON runs (bulk_id, status_xid, id)
        WHERE bulk_id IS NOT NULL;
      CREATE INDEX runs_bulk_device_idx ON runs (bulk_id, device_id, id DESC)
        WHERE bulk_id IS NOT NULL;

      CREATE FUNCTION runs_status_xid() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.status IS DISTINCT FROM OLD.status THEN
          NEW.status_xid := pg_current_xact_id();
        END IF;
        RETURN NEW;
      END $$;
      CREATE TRIGGER runs_status_xid BEFORE UPDATE OF status ON runs
        FOR EACH ROW EXECUTE FUNCTION runs_status_xid();

      -- Identical notifications in one transaction are sent once: a bulk cancel of
      -- 10,000 runs announces its bulk once.
      CREATE FUNCTION runs_bulk_notify() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('netauto_bulk_progress', NEW.bulk_id::text);
        RETURN NULL;
      END $$;
      CREATE TRIGGER runs_bulk_notify_update AFTER UPDATE OF status ON runs
        FOR EACH ROW WHEN (NEW.bulk_id IS NOT NULL AND NEW.status IS DISTINCT FROM OLD.status)
        EXECUTE FUNCTION runs_bulk_notify();
      CREATE FUNCTION runs_bulk_notify_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('netauto_bulk_progress', b::text)
          FROM (SELECT DISTINCT bulk_id AS b FROM inserted WHERE bulk_id IS NOT NULL) x;
        RETURN NULL;
      END $$;
      CREATE TRIGGER runs_bulk_notify_insert AFTER INSERT ON runs
        REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT
        EXECUTE FUNCTION runs_bulk_notify_inserted();
    `);
  },
  async down({ context: sql }) {
    await sql(`
      DROP TRIGGER runs_bulk_notify_insert ON runs;
      DROP FUNCTION runs_bulk_notify_inserted();
      DROP TRIGGER runs_bulk_notify_update ON runs;
      DROP FUNCTION runs_bulk_notify();
      DROP TRIGGER runs_status_xid ON runs;
      DROP FUNCTION runs_status_xid();
      DROP INDEX runs_bulk_device_idx;
      DROP INDEX runs_bulk_status_xid_idx;
      ALTER TABLE runs DROP COLUMN status_xid, DROP COLUMN output_hash;
      ALTER TABLE bulks DROP COLUMN mode, DROP COLUMN canceled_at;
    `);
  },
};
