import { z } from 'zod';
import { parseInput, selectOne, type Executor } from '../sql.js';
import { DurationMs, countRows, msInterval } from './common.js';

/** Failed logins in a window: for this e-mail, and from this client address. */
export interface LoginFailureCounts {
  byEmail: number;
  byIp: number;
}

/** E-mails are kept lower-cased and bounded: a login form may send anything. */
const normalEmail = (email: string) => email.trim().toLowerCase().slice(0, 320);
const normalIp = (ip: string | null | undefined) => (ip ? ip.slice(0, 64) : null);

const RecentQuery = z.strictObject({
  email: z.string(),
  clientIp: z.string().nullish(),
  windowMs: DurationMs,
});
export type LoginFailureQuery = z.input<typeof RecentQuery>;

/** Failed logins, to slow down password guessing by e-mail and by client address. */
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

  /** How many failures there were in the last `windowMs`, by the database's clock. */
  async recent(query: LoginFailureQuery): Promise<LoginFailureCounts> {
    const q = parseInput(RecentQuery, query);
    const row = await selectOne<LoginFailureCounts>(
      this.ex,
      `SELECT count(*) FILTER (WHERE f.email = $1)::int AS "byEmail",
              count(*) FILTER (WHERE f.client_ip = $2)::int AS "byIp"
       FROM login_failures f
       WHERE (f.email = $1 OR f.client_ip = $2)
         AND f.created_at > now() - ${msInterval('$3')}`,
      [normalEmail(q.email), normalIp(q.clientIp), q.windowMs],
    );
    return { byEmail: row?.byEmail ?? 0, byIp: row?.byIp ?? 0 };
  }

  /** Forgets the failures for an e-mail, after a successful login. Returns how many. */
  async clear(email: string): Promise<number> {
    return countRows(this.ex, `DELETE FROM login_failures WHERE email = $1`, [normalEmail(email)]);
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
