import { repositories, type Database } from '@netauto/db';
import { CredentialSet, isReservedCredRef, type CredentialInfo } from '@netauto/schema';
import { credentialVariables } from '../env.js';
import { RunError } from '../errors.js';
import { decryptSecret, encryptSecret, parseSecretKey } from './crypto.js';

/** What a device login needs. Never logged, never put in an error. */
export interface Credentials {
  username?: string | undefined;
  password?: string | undefined;
  privateKey?: string | undefined;
  passphrase?: string | undefined;
  enableSecret?: string | undefined;
}

interface StoredSecret {
  password?: string;
  privateKey?: string;
  passphrase?: string;
  enableSecret?: string;
}

/** `env:REF` (or a bare `REF`) and `db:REF`. */
export function parseCredRef(credRef: string): { source: 'env' | 'db'; name: string } {
  const match = /^(?:(env|db):)?([A-Za-z][A-Za-z0-9_]{0,63})$/.exec(credRef);
  if (!match) {
    throw new RunError(
      'missing_secret',
      `credential reference "${credRef}" is not env:NAME, db:NAME or NAME`,
    );
  }
  return { source: match[1] === 'db' ? 'db' : 'env', name: match[2] as string };
}

/**
 * Resolves credential references at run time and keeps the `db:` store. Secrets are
 * read when needed and handed to the transport only.
 */
export class Secrets {
  constructor(
    private readonly db: Database | undefined,
    private readonly options: { secretKey?: string | undefined; env?: NodeJS.ProcessEnv } = {},
  ) {}

  async resolve(credRef: string): Promise<Credentials> {
    const { source, name } = parseCredRef(credRef);
    if (isReservedCredRef(credRef)) {
      throw new RunError('missing_secret', `credential env:${name} is reserved for NetAuto itself`);
    }
    if (source === 'env') {
      const v = credentialVariables(name, this.options.env);
      const privateKey =
        v.privateKey ??
        (v.privateKeyBase64 && Buffer.from(v.privateKeyBase64, 'base64').toString('utf8'));
      if (!v.password && !privateKey) {
        const prefix = `NETAUTO_${name.toUpperCase()}_`;
        throw new RunError(
          'missing_secret',
          `credential env:${name} is not set: define ${prefix}PASSWORD or ${prefix}PRIVKEY`,
        );
      }
      return {
        username: v.username,
        password: v.password,
        privateKey: privateKey || undefined,
        passphrase: v.passphrase,
        enableSecret: v.enableSecret,
      };
    }
    if (!this.db) throw new RunError('missing_secret', `credential db:${name} needs the database`);
    const stored = await repositories(this.db).credentials.ciphertextOf(name);
    if (!stored)
      throw new RunError('missing_secret', `credential db:${name} is not in the credential store`);
    const secret = JSON.parse(decryptSecret(this.key(), name, stored.ciphertext)) as StoredSecret;
    return { username: stored.username ?? undefined, ...secret };
  }

  /** Stores (or replaces) a `db:` credential, encrypted. Write-only: nothing reads it back out. */
  async set(input: CredentialSet): Promise<CredentialInfo> {
    const c = CredentialSet.parse(input);
    const secret: StoredSecret = {
      ...(c.password !== undefined && { password: c.password }),
      ...(c.privateKey !== undefined && { privateKey: c.privateKey }),
      ...(c.passphrase !== undefined && { passphrase: c.passphrase }),
      ...(c.enableSecret !== undefined && { enableSecret: c.enableSecret }),
    };
    const ciphertext = encryptSecret(this.key(), c.name, JSON.stringify(secret));
    return repositories(this.requireDb()).credentials.put(c.name, c.username ?? null, ciphertext);
  }

  delete(name: string): Promise<CredentialInfo> {
    return repositories(this.requireDb()).credentials.delete(name);
  }

  list(): Promise<CredentialInfo[]> {
    return repositories(this.requireDb()).credentials.list();
  }

  private key(): Buffer {
    return parseSecretKey(this.options.secretKey);
  }

  private requireDb(): Database {
    if (!this.db) throw new Error('the credential store needs a database');
    return this.db;
  }
}
