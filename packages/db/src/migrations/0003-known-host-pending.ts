import type { Migration } from './types.js';

/**
 * A key a host presents that is not trusted (a changed key, or an unknown key in strict
 * mode) is remembered as pending, so that an admin can accept exactly that key. A host
 * can then have a pending key and no trusted one yet.
 */
export const knownHostPending: Migration = {
  name: '0003-known-host-pending',
  async up({ context: sql }) {
    await sql(`
      ALTER TABLE known_hosts
        ADD COLUMN pending_key_type text,
        ADD COLUMN pending_fingerprint text,
        ADD COLUMN pending_seen_at timestamptz,
        ALTER COLUMN key_type DROP NOT NULL,
        ALTER COLUMN fingerprint DROP NOT NULL,
        ADD CONSTRAINT known_hosts_pending_check
          CHECK ((pending_fingerprint IS NULL) = (pending_key_type IS NULL)),
        ADD CONSTRAINT known_hosts_trusted_check
          CHECK ((fingerprint IS NULL) = (key_type IS NULL)),
        ADD CONSTRAINT known_hosts_some_key_check
          CHECK (fingerprint IS NOT NULL OR pending_fingerprint IS NOT NULL);
    `);
  },
  async down({ context: sql }) {
    await sql(`
      DELETE FROM known_hosts WHERE fingerprint IS NULL;
      ALTER TABLE known_hosts
        DROP CONSTRAINT known_hosts_some_key_check,
        DROP CONSTRAINT known_hosts_trusted_check,
        DROP CONSTRAINT known_hosts_pending_check,
        ALTER COLUMN key_type SET NOT NULL,
        ALTER COLUMN fingerprint SET NOT NULL,
        DROP COLUMN pending_key_type,
        DROP COLUMN pending_fingerprint,
        DROP COLUMN pending_seen_at;
    `);
  },
};
