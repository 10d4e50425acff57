import type { Migration } from './types.js';

/** The full prefix length of an address of this family: one host, not a network. */
const FULL_MASK = `CASE family(ip) WHEN 4 THEN 32 ELSE 128 END`;

/**
 * Trust under insiders:
 * - a stored credential carries the networks and sites where it may be used; rows stored
 *   before have neither, and the runner refuses them until an admin sets a scope;
 * - a device's address is one text per host: an IPv4-mapped IPv6 address becomes its IPv4
 *   address (and an address with a netmask, the address alone); known_hosts' addresses
 *   likewise, where two spellings of one host and port merge into the row that was
 *   already canonical (else the oldest), so that no second key is kept for a host;
 * - a device is pinned to the host key it was trusted with (device_host_keys), seeded
 *   from known_hosts, so that moving it to another address or port does not trust a
 *   new key on first use.
 */
export const credentialScopeHostPins: Migration = {
  name: '0011-credential-scope-host-pins',
  async up({ context: sql }) {
    await sql(`
      ALTER TABLE credentials
        ADD COLUMN scope_cidrs cidr[] NOT NULL DEFAULT '{}',
        ADD COLUMN scope_sites text[] NOT NULL DEFAULT '{}',
        ADD CONSTRAINT credentials_scope_check CHECK (
          array_position(scope_cidrs, NULL) IS NULL AND array_position(scope_sites, NULL) IS NULL
          AND array_position(scope_sites, '') IS NULL
        );

      UPDATE devices SET ip = set_masklen(ip, ${FULL_MASK}) WHERE masklen(ip) <> ${FULL_MASK};
      UPDATE devices SET ip = '0.0.0.0'::inet + (ip - '::ffff:0.0.0.0'::inet)
        WHERE family(ip) = 6 AND ip <<= '::ffff:0.0.0.0/96'::inet;
      ALTER TABLE devices ADD CONSTRAINT devices_ip_canonical_check CHECK (
        masklen(ip) = ${FULL_MASK} AND NOT (family(ip) = 6 AND ip <<= '::ffff:0.0.0.0/96'::inet)
      );

      CREATE FUNCTION pg_temp.netauto_canonical_host(h text) RETURNS text LANGUAGE plpgsql AS $$
      DECLARE
        ip inet;
      BEGIN
        BEGIN
          ip := h::inet;
        EXCEPTION WHEN others THEN
          RETURN h;
        END;
        IF masklen(ip) <> (${FULL_MASK}) THEN
          RETURN h;
        END IF;
        IF family(ip) = 6 AND ip <<= '::ffff:0.0.0.0/96'::inet THEN
          ip := '0.0.0.0'::inet + (ip - '::ffff:0.0.0.0'::inet);
        END IF;
        RETURN host(ip);
      END $$;
      DELETE FROM known_hosts k USING (
        SELECT id, row_number() OVER (
          PARTITION BY pg_temp.netauto_canonical_host(host), port
          ORDER BY (host = pg_temp.netauto_canonical_host(host)) DESC, first_seen_at, id
        ) AS n
        FROM known_hosts
      ) ranked
      WHERE k.id = ranked.id AND ranked.n > 1;
      UPDATE known_hosts SET host = pg_temp.netauto_canonical_host(host)
        WHERE host <> pg_temp.netauto_canonical_host(host);
      DROP FUNCTION pg_temp.netauto_canonical_host(text);

      CREATE TABLE device_host_keys (
        device_id integer PRIMARY KEY REFERENCES devices (id) ON DELETE CASCADE,
        key_type text NOT NULL CHECK (key_type <> ''),
        fingerprint text NOT NULL CHECK (fingerprint <> ''),
        pinned_at timestamptz NOT NULL DEFAULT now()
      );
      INSERT INTO device_host_keys (device_id, key_type, fingerprint)
        SELECT d.id, k.key_type, k.fingerprint FROM devices d
        JOIN known_hosts k ON k.host = host(d.ip) AND k.port = d.port
        WHERE d.protocol = 'ssh' AND k.fingerprint IS NOT NULL;
    `);
  },
  async down({ context: sql }) {
    await sql(`
      DROP TABLE device_host_keys;
      ALTER TABLE devices DROP CONSTRAINT devices_ip_canonical_check;
      ALTER TABLE credentials
        DROP CONSTRAINT credentials_scope_check,
        DROP COLUMN scope_cidrs,
        DROP COLUMN scope_sites;
    `);
  },
};
