import { HostKeyRef, type KnownHost } from '@netauto/schema';
import { InvalidStateError, NotFoundError } from '../errors.js';
import { iso, isoOrNull, parseInput, select, selectOne, type Executor } from '../sql.js';

interface KnownHostRow {
  id: number;
  host: string;
  port: number;
  keyType: string | null;
  fingerprint: string | null;
  firstSeenAt: Date;
  lastSeenAt: Date;
  pendingFingerprint: string | null;
  pendingSeenAt: Date | null;
}

const COLUMNS = `id, host, port, key_type AS "keyType", fingerprint,
  first_seen_at AS "firstSeenAt", last_seen_at AS "lastSeenAt",
  pending_fingerprint AS "pendingFingerprint", pending_seen_at AS "pendingSeenAt"`;

const toKnownHost = (r: KnownHostRow): KnownHost => ({
  id: r.id,
  host: r.host,
  port: r.port,
  keyType: r.keyType,
  fingerprint: r.fingerprint,
  firstSeenAt: iso(r.firstSeenAt),
  lastSeenAt: iso(r.lastSeenAt),
  pendingFingerprint: r.pendingFingerprint,
  pendingSeenAt: isoOrNull(r.pendingSeenAt),
});

export interface SeenKey {
  host: string;
  port: number;
  keyType: string;
  fingerprint: string;
}

export class KnownHostsRepo {
  constructor(private readonly ex: Executor) {}

  async list(): Promise<KnownHost[]> {
    const rows = await select<KnownHostRow>(
      this.ex,
      `SELECT ${COLUMNS} FROM known_hosts ORDER BY host, port`,
    );
    return rows.map(toKnownHost);
  }

  async find(host: string, port: number): Promise<KnownHost | undefined> {
    const row = await selectOne<KnownHostRow>(
      this.ex,
      `SELECT ${COLUMNS} FROM known_hosts WHERE host = $1 AND port = $2`,
      [host, port],
    );
    return row && toKnownHost(row);
  }

  /**
   * Records a key seen for the first time. When another process recorded one for the
   * same host a moment before, that one is kept and returned: the first key wins.
   */
  async recordFirstUse(key: SeenKey): Promise<KnownHost> {
    const row = await selectOne<KnownHostRow>(
      this.ex,
      `INSERT INTO known_hosts (host, port, key_type, fingerprint) VALUES ($1, $2, $3, $4)
       ON CONFLICT ON CONSTRAINT known_hosts_host_port_key
       DO UPDATE SET key_type = coalesce(known_hosts.key_type, EXCLUDED.key_type),
         fingerprint = coalesce(known_hosts.fingerprint, EXCLUDED.fingerprint)
       RETURNING ${COLUMNS}`,
      [key.host, key.port, key.keyType, key.fingerprint],
      { prepare: true },
    );
    return toKnownHost(row as KnownHostRow);
  }

  /**
   * The trusted key of a host, in one round trip; when `fingerprint` is that key, notes
   * that it was seen again (at most once a minute, to spare a write per connection).
   */
  async findAndTouch(
    host: string,
    port: number,
    fingerprint: string,
  ): Promise<KnownHost | undefined> {
    const row = await selectOne<KnownHostRow>(
      this.ex,
      `WITH k AS (SELECT ${COLUMNS} FROM known_hosts WHERE host = $1 AND port = $2),
       seen AS (
         UPDATE known_hosts h SET last_seen_at = now() FROM k
         WHERE h.id = k.id AND k.fingerprint = $3 AND k."lastSeenAt" < now() - interval '1 minute'
         RETURNING h.id
       )
       SELECT k.* FROM k`,
      [host, port, fingerprint],
      { prepare: true },
    );
    return row && toKnownHost(row);
  }

  /**
   * Remembers a key a host presented that is not trusted (a changed key, or an unknown
   * one in strict mode), for an admin to accept.
   */
  async notePending(key: SeenKey): Promise<void> {
    await select(
      this.ex,
      `INSERT INTO known_hosts AS k (host, port, pending_key_type, pending_fingerprint, pending_seen_at)
       VALUES ($1, $2, $3, $4, now())
       ON CONFLICT ON CONSTRAINT known_hosts_host_port_key
       DO UPDATE SET pending_key_type = EXCLUDED.pending_key_type,
         pending_fingerprint = EXCLUDED.pending_fingerprint, pending_seen_at = now()
       RETURNING id`,
      [key.host, key.port, key.keyType, key.fingerprint],
    );
  }

  /**
   * Trusts the pending key of a host, in place of the old one. The admin names the key
   * they checked, so that a key presented after that check is never trusted by mistake.
   */
  async acceptPending(
    ref: { host: string; port: number },
    fingerprint: string,
  ): Promise<KnownHost> {
    const r = parseInput(HostKeyRef, ref);
    const current = await this.find(r.host, r.port);
    if (!current) throw new NotFoundError('host key', `${r.host}:${r.port}`);
    const row = await selectOne<KnownHostRow>(
      this.ex,
      `UPDATE known_hosts SET key_type = pending_key_type, fingerprint = pending_fingerprint,
         first_seen_at = now(), last_seen_at = now(),
         pending_key_type = NULL, pending_fingerprint = NULL, pending_seen_at = NULL
       WHERE host = $1 AND port = $2 AND pending_fingerprint = $3 RETURNING ${COLUMNS}`,
      [r.host, r.port, fingerprint],
    );
    if (!row) {
      throw new InvalidStateError(
        current.pendingFingerprint === null
          ? `no new key is waiting for ${r.host}:${r.port}`
          : `the key waiting for ${r.host}:${r.port} is ${current.pendingFingerprint}, not ${fingerprint}`,
      );
    }
    return toKnownHost(row);
  }

  /** Trusts a new key for a host (an admin accepting a changed key). */
  async accept(key: SeenKey): Promise<KnownHost> {
    const row = await selectOne<KnownHostRow>(
      this.ex,
      `INSERT INTO known_hosts (host, port, key_type, fingerprint) VALUES ($1, $2, $3, $4)
       ON CONFLICT ON CONSTRAINT known_hosts_host_port_key
       DO UPDATE SET key_type = EXCLUDED.key_type, fingerprint = EXCLUDED.fingerprint,
         first_seen_at = now(), last_seen_at = now(),
         pending_key_type = NULL, pending_fingerprint = NULL, pending_seen_at = NULL
       RETURNING ${COLUMNS}`,
      [key.host, key.port, key.keyType, key.fingerprint],
    );
    return toKnownHost(row as KnownHostRow);
  }

  /** Forgets a host's key: the next connection trusts what it sees (unless strict). */
  async forget(ref: { host: string; port: number }): Promise<KnownHost> {
    const r = parseInput(HostKeyRef, ref);
    const row = await selectOne<KnownHostRow>(
      this.ex,
      `DELETE FROM known_hosts WHERE host = $1 AND port = $2 RETURNING ${COLUMNS}`,
      [r.host, r.port],
    );
    if (!row) throw new NotFoundError('host key', `${r.host}:${r.port}`);
    return toKnownHost(row);
  }
}
