import { createHash } from 'node:crypto';
import { repositories, type Database } from '@netauto/db';
import type { KnownHost } from '@netauto/schema';
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
 * key until an admin accepts it; in strict mode refuse unknown keys too.
 */
export class HostKeys {
  /**
   * Keys found trusted a moment ago, by host and port. Only a match is taken from here:
   * a different key always goes to the database, so a changed key is never let through.
   */
  private readonly trusted = new Map<string, { fingerprint: string; until: number }>();

  constructor(
    private readonly db: Database,
    private readonly mode: HostKeyMode = 'tofu',
  ) {}

  /** Resolves when the key may be trusted; rejects with host_key_mismatch or host_key_unknown. */
  async check(host: string, port: number, keyBlob: Buffer): Promise<void> {
    const seen = { host, port, keyType: keyTypeOf(keyBlob), fingerprint: fingerprintOf(keyBlob) };
    const id = `${host}|${port}`;
    const remembered = this.trusted.get(id);
    if (remembered?.fingerprint === seen.fingerprint && remembered.until > Date.now()) return;
    await this.checkStored(seen);
    if (this.trusted.size >= MAX_REMEMBERED) this.trusted.clear();
    this.trusted.set(id, { fingerprint: seen.fingerprint, until: Date.now() + TRUSTED_FOR_MS });
  }

  private async checkStored(seen: {
    host: string;
    port: number;
    keyType: string;
    fingerprint: string;
  }): Promise<void> {
    const { host, port } = seen;
    const repo = repositories(this.db).knownHosts;
    const known = await repo.findAndTouch(host, port, seen.fingerprint);
    if (known?.fingerprint == null) {
      if (this.mode === 'strict') {
        // Kept as pending, so that an admin can accept exactly this key.
        await repo.notePending(seen);
        throw new RunError(
          'host_key_unknown',
          `host key of ${host}:${port} (${seen.fingerprint}) is not known and host keys are strict; an admin must accept it`,
        );
      }
      const recorded = await repo.recordFirstUse(seen);
      if (recorded.fingerprint === seen.fingerprint) return;
      return this.refuse(seen, recorded.fingerprint);
    }
    if (known.fingerprint === seen.fingerprint) return;
    await repo.notePending(seen);
    return this.refuse(seen, known.fingerprint);
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
    this.trusted.delete(`${host}|${port}`);
    return repositories(this.db).knownHosts.acceptPending({ host, port }, fingerprint);
  }

  /** Forgets a host's key; the next connection records what it sees (unless strict). */
  forget(host: string, port: number): Promise<KnownHost> {
    this.trusted.delete(`${host}|${port}`);
    return repositories(this.db).knownHosts.forget({ host, port });
  }
}
