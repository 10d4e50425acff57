import { HostKeyRef, type KnownHost } from '@netauto/schema';
import { InvalidStateError, NotFoundError } from '../errors.js';
import { DeviceHostKey, KnownHost as KnownHostModel } from '../models/index.js';
import { guarded, iso, isoOrNull, parseInput, select, selectOne, type Executor } from '../sql.js';

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

/** The key a device is pinned to: the key it presented when first trusted. */
export interface PinnedKey {
  keyType: string;
  fingerprint: string;
}

/**
 * Host keys and the keys devices are pinned to. Lists and single rows go through the
 * models; what runs on every connection (look-up, first use) and what changes a host's
 * key and its devices' pins together stays SQL, one statement each.
 */
export class KnownHostsRepo {
  constructor(private readonly ex: Executor) {}

  private get hosts() {
    return this.ex.sequelize.getRepository(KnownHostModel);
  }

  private get pins() {
    return this.ex.sequelize.getRepository(DeviceHostKey);
  }

  private get transaction() {
    return this.ex.transaction ?? null;
  }

  async list(): Promise<KnownHost[]> {
    const rows = await guarded(
      this.hosts.findAll({
        order: [
          ['host', 'ASC'],
          ['port', 'ASC'],
        ],
        transaction: this.transaction,
      }),
    );
    return rows.map(toKnownHost);
  }

  async find(host: string, port: number): Promise<KnownHost | undefined> {
    const row = await guarded(
      this.hosts.findOne({ where: { host, port }, transaction: this.transaction }),
    );
    return row ? toKnownHost(row) : undefined;
  }

  /**
   * Records a key seen for the first time. When another process recorded one for the
   * same host a moment before, that one is kept and returned: the first key wins. With
   * `pinDevice`, the device is pinned to the key in the same statement, if it is the
   * key that won and the device has no pin yet.
   */
  async recordFirstUse(key: SeenKey, pinDevice?: number): Promise<KnownHost> {
    const row = await selectOne<KnownHostRow>(
      this.ex,
      `WITH k AS (
         INSERT INTO known_hosts (host, port, key_type, fingerprint) VALUES ($1, $2, $3, $4)
         ON CONFLICT ON CONSTRAINT known_hosts_host_port_key
         DO UPDATE SET key_type = coalesce(known_hosts.key_type, EXCLUDED.key_type),
           fingerprint = coalesce(known_hosts.fingerprint, EXCLUDED.fingerprint)
         RETURNING ${COLUMNS}
       ),
       pinned AS (
         INSERT INTO device_host_keys (device_id, key_type, fingerprint)
         SELECT d.id, $3, $4 FROM devices d, k WHERE d.id = $5::int AND k.fingerprint = $4
         ON CONFLICT (device_id) DO NOTHING RETURNING device_id
       )
       SELECT * FROM k`,
      [key.host, key.port, key.keyType, key.fingerprint, pinDevice ?? null],
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
   * The devices at that address and port take it as their pinned key.
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
      `WITH accepted AS (
         UPDATE known_hosts SET key_type = pending_key_type, fingerprint = pending_fingerprint,
           first_seen_at = now(), last_seen_at = now(),
           pending_key_type = NULL, pending_fingerprint = NULL, pending_seen_at = NULL
         WHERE host = $1 AND port = $2 AND pending_fingerprint = $3 RETURNING ${COLUMNS}
       ),
       pinned AS (
         INSERT INTO device_host_keys (device_id, key_type, fingerprint)
         SELECT d.id, a."keyType", a.fingerprint FROM accepted a
         JOIN devices d ON host(d.ip) = $1 AND d.port = $2
         ON CONFLICT (device_id) DO UPDATE SET key_type = EXCLUDED.key_type,
           fingerprint = EXCLUDED.fingerprint, pinned_at = now()
         RETURNING device_id
       )
       SELECT * FROM accepted`,
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

  /**
   * Forgets a host's key, and the pinned key of the devices at that address and port:
   * the next connection trusts what it sees (unless strict).
   */
  async forget(ref: { host: string; port: number }): Promise<KnownHost> {
    const r = parseInput(HostKeyRef, ref);
    const row = await selectOne<KnownHostRow>(
      this.ex,
      `WITH gone AS (DELETE FROM known_hosts WHERE host = $1 AND port = $2 RETURNING ${COLUMNS}),
       unpinned AS (
         DELETE FROM device_host_keys p USING devices d, gone
         WHERE p.device_id = d.id AND host(d.ip) = $1 AND d.port = $2
         RETURNING p.device_id
       )
       SELECT * FROM gone`,
      [r.host, r.port],
    );
    if (!row) throw new NotFoundError('host key', `${r.host}:${r.port}`);
    return toKnownHost(row);
  }

  /**
   * The trusted key of an address and the key pinned for a device, in one round trip
   * (see `findAndTouch` for the note that the address's key was seen again).
   */
  async lookup(
    host: string,
    port: number,
    fingerprint: string,
    deviceId: number | undefined,
  ): Promise<{ known: KnownHost | undefined; pinned: PinnedKey | undefined }> {
    const row = await selectOne<
      Omit<KnownHostRow, 'id'> & {
        id: number | null;
        pinnedKeyType: string | null;
        pinnedFingerprint: string | null;
      }
    >(
      this.ex,
      `WITH k AS (SELECT ${COLUMNS} FROM known_hosts WHERE host = $1 AND port = $2),
       seen AS (
         UPDATE known_hosts h SET last_seen_at = now() FROM k
         WHERE h.id = k.id AND k.fingerprint = $3 AND k."lastSeenAt" < now() - interval '1 minute'
         RETURNING h.id
       ),
       p AS (SELECT key_type, fingerprint FROM device_host_keys WHERE device_id = $4::int)
       SELECT k.*, p.key_type AS "pinnedKeyType", p.fingerprint AS "pinnedFingerprint"
       FROM (SELECT 1) one LEFT JOIN k ON true LEFT JOIN p ON true`,
      [host, port, fingerprint, deviceId ?? null],
      { prepare: true },
    );
    const { pinnedKeyType, pinnedFingerprint, ...known } = row ?? {
      id: null,
      pinnedKeyType: null,
      pinnedFingerprint: null,
    };
    return {
      known: known.id === null ? undefined : toKnownHost(known as KnownHostRow),
      pinned:
        pinnedFingerprint === null || pinnedKeyType === null
          ? undefined
          : { keyType: pinnedKeyType, fingerprint: pinnedFingerprint },
    };
  }

  /** Pins a key to a device that has none yet (its first key, once trusted). */
  async pin(deviceId: number, key: PinnedKey): Promise<void> {
    // SQL: pins only a device that exists, and leaves an existing pin alone, in one statement.
    await select(
      this.ex,
      `INSERT INTO device_host_keys (device_id, key_type, fingerprint)
       SELECT id, $2, $3 FROM devices WHERE id = $1
       ON CONFLICT (device_id) DO NOTHING RETURNING device_id`,
      [deviceId, key.keyType, key.fingerprint],
    );
  }

  /** The key pinned for a device, if any. */
  async pinned(deviceId: number): Promise<PinnedKey | undefined> {
    const row = await guarded(
      this.pins.findByPk(deviceId, {
        attributes: ['keyType', 'fingerprint'],
        transaction: this.transaction,
      }),
    );
    return row ? { keyType: row.keyType, fingerprint: row.fingerprint } : undefined;
  }

  /** Unpins these devices (their next connection trusts on first use, unless strict). */
  async unpin(deviceIds: readonly number[]): Promise<number> {
    if (deviceIds.length === 0) return 0;
    return guarded(
      this.pins.destroy({
        where: { deviceId: [...deviceIds] },
        transaction: this.transaction,
      }),
    );
  }
}
