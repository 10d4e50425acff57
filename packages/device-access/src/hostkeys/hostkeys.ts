import { createHash } from 'node:crypto';
import { repositories, type Database, type SeenKey } from '@netauto/db';
import { canonicalIp, type KnownHost } from '@netauto/schema';
import { RunError } from '../errors.js';

/** OpenSSH's fingerprint: `SHA256:` and the unpadded base64 of the key blob's digest. */
export function fingerprintOf(keyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}

/** The key type named at the start of an SSH public key blob (ssh-ed25519, ssh-rsa…). */
export function keyTypeOf(keyBlob: Buffer): string {
  if (keyBlob.length < 4) return 'unknown';
  const length = keyBlob.readUInt32BE(0);
  return keyBlob.subarray(4, 4 + length).toString('ascii') || 'unknown';
}

export type HostKeyMode = 'tofu' | 'strict';

/** How long a key found trusted is taken as trusted without asking the database again. */
const TRUSTED_FOR_MS = 30_000;
const MAX_REMEMBERED = 50_000;

/**
 * Host key checking: trust on first use (recorded in known_hosts), refuse a changed
 * key until an admin accepts it; in strict mode refuse unknown keys too. Addresses are
 * compared in canonical form (an IPv4-mapped address is its IPv4 address), and a device
 * is pinned to the key it was first trusted with: at a new address or port it must
 * present that key (or an admin must accept the new one), never a fresh first use.
 */
export class HostKeys {
  /**
   * Keys found trusted a moment ago, by device, host and port. Only a match is taken
   * from here: a different key always goes to the database, so a changed key is never
   * let through.
   */
  private readonly trusted = new Map<string, { fingerprint: string; until: number }>();
  /** The one entry of each device: a device checked at a new address forgets its old one. */
  private readonly entryOfDevice = new Map<number, string>();

  constructor(
    private readonly db: Database,
    private readonly mode: HostKeyMode = 'tofu',
  ) {}

  /**
   * Resolves when the key may be trusted; rejects with host_key_mismatch or
   * host_key_unknown. `deviceId`: the device connected to, whose pinned key counts too.
   */
  async check(address: string, port: number, keyBlob: Buffer, deviceId?: number): Promise<void> {
    const host = canonicalIp(address) ?? address;
    const seen = { host, port, keyType: keyTypeOf(keyBlob), fingerprint: fingerprintOf(keyBlob) };
    const id = `${deviceId ?? ''}|${host}|${port}`;
    const remembered = this.trusted.get(id);
    if (remembered?.fingerprint === seen.fingerprint && remembered.until > Date.now()) return;
    await this.checkStored(seen, deviceId);
    if (this.trusted.size >= MAX_REMEMBERED) {
      this.trusted.clear();
      this.entryOfDevice.clear();
    }
    if (deviceId !== undefined) {
      const previous = this.entryOfDevice.get(deviceId);
      if (previous !== undefined && previous !== id) this.trusted.delete(previous);
      this.entryOfDevice.set(deviceId, id);
    }
    this.trusted.set(id, { fingerprint: seen.fingerprint, until: Date.now() + TRUSTED_FOR_MS });
  }

  private async checkStored(seen: SeenKey, deviceId: number | undefined): Promise<void> {
    const { host, port } = seen;
    const repo = repositories(this.db).knownHosts;
    const { known, pinned } = await repo.lookup(host, port, seen.fingerprint, deviceId);
    if (known?.fingerprint != null && known.fingerprint !== seen.fingerprint) {
      await repo.notePending(seen);
      return this.refuse(seen, known.fingerprint);
    }
    if (pinned && pinned.fingerprint !== seen.fingerprint) {
      // Moved to another address or port: kept as pending at this address, so that an
      // admin can accept exactly this key (the devices at this address then take it).
      await repo.notePending(seen);
      throw new RunError(
        'host_key_mismatch',
        `host key of ${host}:${port} (${seen.fingerprint}) is not the key this device was trusted with (${pinned.fingerprint}); an admin must accept the new key`,
      );
    }
    if (known?.fingerprint != null) {
      if (deviceId !== undefined && !pinned) await repo.pin(deviceId, seen);
      return;
    }
    // Nothing trusted at this address yet.
    if (!pinned && this.mode === 'strict') {
      // Kept as pending, so that an admin can accept exactly this key.
      await repo.notePending(seen);
      throw new RunError(
        'host_key_unknown',
        `host key of ${host}:${port} (${seen.fingerprint}) is not known and host keys are strict; an admin must accept it`,
      );
    }
    // First use of this address: by the device's own pinned key, or trusted as seen (and
    // pinned to the device in the same statement).
    const recorded = await repo.recordFirstUse(seen, pinned ? undefined : deviceId);
    if (recorded.fingerprint !== seen.fingerprint) return this.refuse(seen, recorded.fingerprint);
  }

  private refuse(
    seen: { host: string; port: number; fingerprint: string },
    trusted: string | null,
  ): never {
    throw new RunError(
      'host_key_mismatch',
      `host key of ${seen.host}:${seen.port} changed: trusted ${trusted ?? 'none'}, presented ${seen.fingerprint}; an admin must accept the new key`,
    );
  }

  list(): Promise<KnownHost[]> {
    return repositories(this.db).knownHosts.list();
  }

  /**
   * Trusts the key a host presented and that was refused (changed, or unknown in strict
   * mode); `fingerprint` is the key the admin checked.
   */
  accept(host: string, port: number, fingerprint: string): Promise<KnownHost> {
    this.unremember(host, port);
    return repositories(this.db).knownHosts.acceptPending({ host, port }, fingerprint);
  }

  /**
   * Forgets a host's key, and unpins the devices at that address; the next connection
   * records what it sees (unless strict).
   */
  forget(host: string, port: number): Promise<KnownHost> {
    this.unremember(host, port);
    return repositories(this.db).knownHosts.forget({ host, port });
  }

  private unremember(address: string, port: number): void {
    const suffix = `|${canonicalIp(address) ?? address}|${port}`;
    for (const id of this.trusted.keys()) if (id.endsWith(suffix)) this.trusted.delete(id);
  }
}
