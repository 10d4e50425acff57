import { CredentialName, type CredentialInfo } from '@netauto/schema';
import { NotFoundError } from '../errors.js';
import { iso, parseInput, select, selectOne, type Executor } from '../sql.js';

interface CredentialRow {
  name: string;
  username: string | null;
  createdAt: Date;
  updatedAt: Date;
}

const COLUMNS = `name, username, created_at AS "createdAt", updated_at AS "updatedAt"`;

const toInfo = (r: CredentialRow): CredentialInfo => ({
  name: r.name,
  username: r.username,
  createdAt: iso(r.createdAt),
  updatedAt: iso(r.updatedAt),
});

/**
 * The `db:NAME` secret store. It keeps ciphertext only: encryption and decryption are
 * the runner's, under NETAUTO_SECRET_KEY. Nothing here returns the ciphertext except
 * `ciphertextOf`, for the runner.
 */
export class CredentialsRepo {
  constructor(private readonly ex: Executor) {}

  async list(): Promise<CredentialInfo[]> {
    const rows = await select<CredentialRow>(
      this.ex,
      `SELECT ${COLUMNS} FROM credentials ORDER BY name`,
    );
    return rows.map(toInfo);
  }

  /** Creates or replaces a credential. */
  async put(name: string, username: string | null, ciphertext: Buffer): Promise<CredentialInfo> {
    const n = parseInput(CredentialName, name, 'name');
    const row = await selectOne<CredentialRow>(
      this.ex,
      `INSERT INTO credentials (name, username, ciphertext) VALUES ($1, $2, $3)
       ON CONFLICT ON CONSTRAINT credentials_name_key
       DO UPDATE SET username = EXCLUDED.username, ciphertext = EXCLUDED.ciphertext, updated_at = now()
       RETURNING ${COLUMNS}`,
      [n, username, ciphertext],
    );
    return toInfo(row as CredentialRow);
  }

  async ciphertextOf(
    name: string,
  ): Promise<{ username: string | null; ciphertext: Buffer } | undefined> {
    return selectOne<{ username: string | null; ciphertext: Buffer }>(
      this.ex,
      `SELECT username, ciphertext FROM credentials WHERE name = $1`,
      [name],
    );
  }

  async delete(name: string): Promise<CredentialInfo> {
    const row = await selectOne<CredentialRow>(
      this.ex,
      `DELETE FROM credentials WHERE name = $1 RETURNING ${COLUMNS}`,
      [name],
    );
    if (!row) throw new NotFoundError('credential', name);
    return toInfo(row);
  }
}
