import type { Migration } from './types.js';

/**
 * Sign-in throttling by e-mail and address together: the addresses each e-mail signed
 * in from (an address that has proven itself is not held up by failures elsewhere),
 * and an index to count one e-mail's failures from one address.
 */
export const loginKnownAddresses: Migration = {
  name: '0012-login-known-addresses',
  async up({ context: sql }) {
    await sql(`
      CREATE TABLE login_known_addresses (
        email text NOT NULL CONSTRAINT login_known_addresses_email_lower CHECK (email = lower(email)),
        client_ip text NOT NULL,
        last_success_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (email, client_ip)
      );
      CREATE INDEX login_failures_email_client_ip_idx ON login_failures (email, client_ip, created_at);
    `);
  },
  async down({ context: sql }) {
    await sql(`
      DROP INDEX IF EXISTS login_failures_email_client_ip_idx;
      DROP TABLE IF EXISTS login_known_addresses;
    `);
  },
};
