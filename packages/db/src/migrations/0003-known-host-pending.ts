import type { Migration } from './types.js';

/** A changed host key is remembered as pending, so that an admin can accept it. */
export const knownHostPending: Migration = {
  name: '0003-known-host-pending',
  async up({ context: sql }) {
    await sql(`
      ALTER TABLE known_hosts
        ADD COLUMN pending_key_type text,
        ADD COLUMN pending_fingerprint text,
        ADD COLUMN pending_seen_at timestamptz,
        ADD CONSTRAINT known_hosts_pending_check
          CHECK ((pending_fingerprint IS NULL) = (pending_key_type IS NULL));
    `);
  },
  async down({ context: sql }) {
    await sql(`
      ALTER TABLE known_hosts
        DROP CONSTRAINT known_hosts_pending_check,
        DROP COLUMN pending_key_type,
        DROP COLUMN pending_fingerprint,
        DROP COLUMN pending_seen_at;
    `);
  },
};
