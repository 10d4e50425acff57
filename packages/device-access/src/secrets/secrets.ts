import { repositories, type Database } from '@netauto/db';
import {
  CredentialSet,
  isReservedCredRef,
  type CredentialInfo,
  type CredentialScope,
  type CredentialScopeInput,
  type EnvCredentialInfo,
} from '@netauto/schema';
import { credentialVariables, environmentCredentialNames, type CredentialEnv } from '../env.js';
import { RunError } from '../errors.js';
import { decryptSecret, encryptSecret, parseSecretKey } from './crypto.js';
import {
  describeScope,
  describeTarget,
  parseAllowList,
  scopeAllows,
  type ScopeTarget,
} from './scope.js';

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
    /** `env`: where `env:` credentials are defined (the configuration's `credentials`); none when absent. */
    private readonly options: { secretKey?: string | undefined; env?: CredentialEnv } = {},
  ) {}

  /**
   * The credentials for this device, once its address and site are found inside the
   * credential's scope; else `credential_out_of_scope`, before anything is read or sent.
   * A `db:` credential without a scope is refused; an `env:` one without
   * NETAUTO_<REF>_ALLOW is used (and flagged at start-up and on the admin page).
   */
  async resolve(credRef: string, target: ScopeTarget): Promise<Credentials> {
    const { source, name } = parseCredRef(credRef);
    if (isReservedCredRef(credRef)) {
      throw new RunError('missing_secret', `credential env:${name} is reserved for NetAuto itself`);
    }
    if (source === 'env') {
      const v = credentialVariables(name, this.options.env ?? {});
      const scope = this.envScope(name, v.allow);
      if ('error' in scope) throw new RunError('credential_out_of_scope', scope.error);
      if (scope.scope) this.checkScope(`env:${name}`, scope.scope, target);
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
    if (!stored.scope) {
      throw new RunError(
        'credential_out_of_scope',
        `credential db:${name} has no scope yet: an admin must set the networks or sites where it may be used`,
      );
    }
    this.checkScope(`db:${name}`, stored.scope, target);
    const secret = JSON.parse(decryptSecret(this.key(), name, stored.ciphertext)) as StoredSecret;
    return { username: stored.username ?? undefined, ...secret };
  }

  private checkScope(ref: string, scope: CredentialScope, target: ScopeTarget): void {
    if (scopeAllows(scope, target)) return;
    throw new RunError(
      'credential_out_of_scope',
      `credential ${ref} may not be used for ${describeTarget(target)}: it is limited to ${describeScope(scope)}`,
    );
  }

  /** The scope of an `env:` credential: from NETAUTO_<REF>_ALLOW, none, or what is wrong. */
  private envScope(
    name: string,
    allow: string | undefined,
  ): { scope: CredentialScope | null } | { error: string } {
    if (allow === undefined) return { scope: null };
    const parsed = parseAllowList(allow);
    if ('error' in parsed) {
      return {
        error: `credential env:${name} is refused: NETAUTO_${name.toUpperCase()}_ALLOW is not valid: ${parsed.error}`,
      };
    }
    return { scope: parsed };
  }

  /**
   * The `env:` credentials this process's environment defines, each with its scope, and
   * what an admin should fix: an invalid NETAUTO_<REF>_ALLOW (the credential is refused)
   * or none at all (any device may use it). Never a secret.
   */
  environmentCredentials(): EnvCredentialInfo[] {
    return environmentCredentialNames(this.options.env ?? {}).map((name) => {
      const variable = `NETAUTO_${name}_ALLOW`;
      const scope = this.envScope(name, credentialVariables(name, this.options.env ?? {}).allow);
      const ref = `env:${name}`;
      if ('error' in scope) {
        return { ref, variable, status: 'invalid', scope: null, problem: scope.error };
      }
      if (scope.scope)
        return { ref, variable, status: 'scoped', scope: scope.scope, problem: null };
      return {
        ref,
        variable,
        status: 'unscoped',
        scope: null,
        problem: `no scope: ${variable} is not set, so any device may use it`,
      };
    });
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
    return repositories(this.requireDb()).credentials.put(
      c.name,
      c.username ?? null,
      ciphertext,
      c.scope,
    );
  }

  /** Changes where a `db:` credential may be used, keeping its secret; says what it was. */
  setScope(
    name: string,
    scope: CredentialScopeInput,
  ): Promise<{ before: CredentialScope | null; credential: CredentialInfo }> {
    return repositories(this.requireDb()).credentials.setScope(name, scope);
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
