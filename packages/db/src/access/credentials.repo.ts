import {
  CredentialName,
  CredentialScopeInput,
  type CredentialInfo,
  type CredentialScope,
  type CredentialScopeInput as ScopeInput,
} from '@netauto/schema';
import { NotFoundError } from '../errors.js';
import { Credential } from '../models/index.js';
import { guarded, iso, parseInput, selectOne, type Executor } from '../sql.js';

interface CredentialRow {
  name: string;
  username: string | null;
  scopeCidrs: string[];
  scopeSites: string[];
  createdAt: Date;
  updatedAt: Date;
}

/** What a credential is read with, for people: never its ciphertext. */
const INFO_ATTRIBUTES = ['name', 'username', 'scopeCidrs', 'scopeSites', 'createdAt', 'updatedAt'];

const COLUMNS = `name, username, scope_cidrs::text[] AS "scopeCidrs", scope_sites AS "scopeSites",
  created_at AS "createdAt", updated_at AS "updatedAt"`;

/** No network and no site: stored before scopes existed, usable nowhere until scoped. */
function scopeOf(r: { scopeCidrs: string[]; scopeSites: string[] }): CredentialScope | null {
  return r.scopeCidrs.length === 0 && r.scopeSites.length === 0
    ? null
    : { cidrs: r.scopeCidrs, sites: r.scopeSites };
}

const toInfo = (r: CredentialRow): CredentialInfo => ({
  name: r.name,
  username: r.username,
  scope: scopeOf(r),
  createdAt: iso(r.createdAt),
  updatedAt: iso(r.updatedAt),
});

/** What the runner reads of a credential: its ciphertext and where it may be used. */
export interface StoredCredential {
  username: string | null;
  ciphertext: Buffer;
  /** null: no scope set yet, refused everywhere. */
  scope: CredentialScope | null;
}

/**
 * The `db:NAME` secret store. It keeps ciphertext only: encryption and decryption are
 * the runner's, under NETAUTO_SECRET_KEY. Nothing here returns the ciphertext except
 * `ciphertextOf`, for the runner.
 */
export class CredentialsRepo {
  constructor(private readonly ex: Executor) {}

  private get model() {
    return this.ex.sequelize.getRepository(Credential);
  }

  async list(): Promise<CredentialInfo[]> {
    const rows = await guarded(
      this.model.findAll({
        attributes: INFO_ATTRIBUTES,
        order: [['name', 'ASC']],
        transaction: this.ex.transaction ?? null,
      }),
    );
    return rows.map(toInfo);
  }

  /** Creates or replaces a credential, with the scope it may be used in (required). */
  async put(
    name: string,
    username: string | null,
    ciphertext: Buffer,
    scope: ScopeInput,
  ): Promise<CredentialInfo> {
    const n = parseInput(CredentialName, name, 'name');
    const s = parseInput(CredentialScopeInput, scope, 'scope');
    // SQL: an upsert by name in one statement, casting the scope to cidr[].
    const row = await selectOne<CredentialRow>(
      this.ex,
      `INSERT INTO credentials (name, username, ciphertext, scope_cidrs, scope_sites)
       VALUES ($1, $2, $3, $4::cidr[], $5::text[])
       ON CONFLICT ON CONSTRAINT credentials_name_key
       DO UPDATE SET username = EXCLUDED.username, ciphertext = EXCLUDED.ciphertext,
         scope_cidrs = EXCLUDED.scope_cidrs, scope_sites = EXCLUDED.scope_sites, updated_at = now()
       RETURNING ${COLUMNS}`,
      [n, username, ciphertext, s.cidrs, s.sites],
    );
    return toInfo(row as CredentialRow);
  }

  /** Changes where a credential may be used; resolves with its scope before and after. */
  async setScope(
    name: string,
    scope: ScopeInput,
  ): Promise<{ before: CredentialScope | null; credential: CredentialInfo }> {
    const n = parseInput(CredentialName, name, 'name');
    const s = parseInput(CredentialScopeInput, scope, 'scope');
    // SQL: one statement returns the scope before the change and after it.
    const row = await selectOne<CredentialRow & { beforeCidrs: string[]; beforeSites: string[] }>(
      this.ex,
      `WITH old AS (
         SELECT id, scope_cidrs::text[] AS cidrs, scope_sites AS sites FROM credentials
         WHERE name = $1 FOR UPDATE
       )
       UPDATE credentials c SET scope_cidrs = $2::cidr[], scope_sites = $3::text[],
         updated_at = now()
       FROM old WHERE c.id = old.id
       RETURNING ${COLUMNS}, old.cidrs AS "beforeCidrs", old.sites AS "beforeSites"`,
      [n, s.cidrs, s.sites],
    );
    if (!row) throw new NotFoundError('credential', n);
    return {
      before: scopeOf({ scopeCidrs: row.beforeCidrs, scopeSites: row.beforeSites }),
      credential: toInfo(row),
    };
  }

  async ciphertextOf(name: string): Promise<StoredCredential | undefined> {
    const row = await guarded(
      this.model.findOne({
        attributes: ['username', 'ciphertext', 'scopeCidrs', 'scopeSites'],
        where: { name },
        transaction: this.ex.transaction ?? null,
      }),
    );
    return row
      ? { username: row.username, ciphertext: row.ciphertext, scope: scopeOf(row) }
      : undefined;
  }

  async delete(name: string): Promise<CredentialInfo> {
    const transaction = this.ex.transaction ?? null;
    return guarded(async () => {
      const row = await this.model.findOne({
        attributes: ['id', ...INFO_ATTRIBUTES],
        where: { name },
        transaction,
      });
      if (!row) throw new NotFoundError('credential', name);
      await row.destroy({ transaction });
      return toInfo(row);
    });
  }
}
