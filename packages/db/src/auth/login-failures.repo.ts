import { z } from 'zod';
import { parseInput, selectOne, type Executor } from '../sql.js';
import { DurationMs, countRows, msInterval } from './common.js';

/** Failures counted over some time, and how long ago the most recent ones were. */
export interface FailureHistory {
  /** How many in the whole horizon. */
  count: number;
  /** How long ago each of the most recent was, in milliseconds, newest first. */
  agoMs: number[];
}

/**
 * What the sign-in throttle weighs, by the database's clock: the failures for one
 * e-mail from one address, from that address for any e-mail, and for that e-mail from
 * anywhere, and whether the e-mail signed in from that address before.
 */
export interface LoginFacts {
  pair: FailureHistory;
  address: FailureHistory;
  account: { count: number; lastAgoMs: number | null };
  /** The e-mail signed in from this address within `knownForMs`. */
  knownAddress: boolean;
}

/** E-mails are kept lower-cased and bounded: a login form may send anything. */
const normalEmail = (email: string) => email.trim().toLowerCase().slice(0, 320);
const normalIp = (ip: string | null | undefined) => (ip ? ip.slice(0, 64) : null);

const Count = z.number().int().min(1).max(10_000);

const FactsQuery = z.strictObject({
  email: z.string(),
  clientIp: z.string().nullish(),
  /** How far back failures count. */
  horizonMs: DurationMs,
  /** How many of the most recent failures of the pair, and of the address, to return. */
  pairRecent: Count,
  addressRecent: Count,
  /** How long a successful sign-in keeps an address known. */
  knownForMs: DurationMs,
});
export type LoginFactsQuery = z.input<typeof FactsQuery>;

interface FactsRow {
  pairCount: number;
  pairAgo: number[] | null;
  addressCount: number;
  addressAgo: number[] | null;
  accountCount: number;
  accountLastAgo: number | null;
  known: boolean;
}

/**
 * Failed sign-ins and the addresses each e-mail signed in from, to slow down password
 * guessing without letting one person's failures keep another out.
 */
export class LoginFailuresRepo {
  constructor(private readonly ex: Executor) {}

  /**
   * Serialises sign-ins for one e-mail and one client address until the transaction
   * ends, so that parallel guesses cannot all pass the count before any is recorded.
   * Call it inside a transaction; the e-mail is locked first, always.
   */
  async lock(email: string, clientIp: string | null | undefined): Promise<void> {
    await selectOne(this.ex, `SELECT pg_advisory_xact_lock(hashtext('login-email:' || $1))`, [
      normalEmail(email),
    ]);
    const ip = normalIp(clientIp);
    if (ip) {
      await selectOne(this.ex, `SELECT pg_advisory_xact_lock(hashtext('login-ip:' || $1))`, [ip]);
    }
  }

  /** Notes a failed login now. */
  async record(email: string, clientIp: string | null | undefined): Promise<void> {
    await selectOne(
      this.ex,
      `INSERT INTO login_failures (email, client_ip) VALUES ($1, $2) RETURNING id`,
      [normalEmail(email), normalIp(clientIp)],
    );
  }

  /**
   * The failures within `horizonMs` for the e-mail from the address (no address is one
   * address of its own), from the address, and for the e-mail from anywhere, and whether
   * the address is known for the e-mail, in one statement.
   */
  async facts(query: LoginFactsQuery): Promise<LoginFacts> {
    const q = parseInput(FactsQuery, query);
    const ip = normalIp(q.clientIp);
    const sameIp = ip === null ? 'f.client_ip IS NULL' : 'f.client_ip = $2';
    const since = `f.created_at > now() - ${msInterval('$3')}`;
    const ago = `(extract(epoch FROM now() - f.created_at) * 1000)::float8`;
    const row = await selectOne<FactsRow>(
      this.ex,
      `SELECT
         (SELECT count(*)::int FROM login_failures f
           WHERE f.email = $1 AND ${sameIp} AND ${since}) AS "pairCount",
         (SELECT array_agg(x.ago ORDER BY x.ago) FROM (
            SELECT ${ago} AS ago FROM login_failures f
            WHERE f.email = $1 AND ${sameIp} AND ${since}
            ORDER BY f.created_at DESC LIMIT $4) x) AS "pairAgo",
         (SELECT count(*)::int FROM login_failures f WHERE ${sameIp} AND ${since}) AS "addressCount",
         (SELECT array_agg(x.ago ORDER BY x.ago) FROM (
            SELECT ${ago} AS ago FROM login_failures f
            WHERE ${sameIp} AND ${since}
            ORDER BY f.created_at DESC LIMIT $5) x) AS "addressAgo",
         (SELECT count(*)::int FROM login_failures f WHERE f.email = $1 AND ${since})
           AS "accountCount",
         (SELECT min(${ago}) FROM login_failures f WHERE f.email = $1 AND ${since})
           AS "accountLastAgo",
         EXISTS (SELECT 1 FROM login_known_addresses k
                 WHERE k.email = $1 AND k.client_ip = $2
                   AND k.last_success_at > now() - ${msInterval('$6')}) AS known`,
      [normalEmail(q.email), ip, q.horizonMs, q.pairRecent, q.addressRecent, q.knownForMs],
    );
    return {
      pair: { count: row?.pairCount ?? 0, agoMs: row?.pairAgo ?? [] },
      address: { count: row?.addressCount ?? 0, agoMs: row?.addressAgo ?? [] },
      account: { count: row?.accountCount ?? 0, lastAgoMs: row?.accountLastAgo ?? null },
      knownAddress: row?.known ?? false,
    };
  }

  /**
   * After a successful sign-in: forgets the failures of the e-mail from this address
   * (not those from elsewhere, which may be someone else's guesses), and remembers the
   * address as known for the e-mail.
   */
  async succeeded(email: string, clientIp: string | null | undefined): Promise<void> {
    const e = normalEmail(email);
    const ip = normalIp(clientIp);
    if (ip === null) {
      await countRows(
        this.ex,
        `DELETE FROM login_failures WHERE email = $1 AND client_ip IS NULL`,
        [e],
      );
      return;
    }
    await countRows(this.ex, `DELETE FROM login_failures WHERE email = $1 AND client_ip = $2`, [
      e,
      ip,
    ]);
    await selectOne(
      this.ex,
      `INSERT INTO login_known_addresses (email, client_ip) VALUES ($1, $2)
       ON CONFLICT (email, client_ip) DO UPDATE SET last_success_at = now()
       RETURNING email`,
      [e, ip],
    );
  }

  /** Deletes the failures older than `windowMs`, which no longer count. Returns how many. */
  async purgeOlderThan(windowMs: number): Promise<number> {
    const ms = parseInput(DurationMs, windowMs, 'windowMs');
    return countRows(
      this.ex,
      `DELETE FROM login_failures WHERE created_at <= now() - ${msInterval('$1')}`,
      [ms],
    );
  }
}
