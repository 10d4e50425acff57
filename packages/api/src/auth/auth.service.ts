import { ForbiddenError, NotFoundError } from '@netauto/db';
import {
  type ChangePasswordInput,
  type LoginInput,
  TokenCreateInput,
  type ApiToken,
  type User,
} from '@netauto/schema';
import { TRPCError } from '@trpc/server';
import type { Identity } from '../context.js';
import type { AuthSettings } from '../env.js';
import { ThrottledError } from '../errors.js';
import { actorOf, audited, recordAudit, SYSTEM } from '../audit/audit.js';
import type { Store, Uses } from '../store.js';
import { signInWait, throttleAddress } from './throttle.js';
import {
  API_TOKEN_PREFIX,
  hashPassword,
  newApiToken,
  newSessionToken,
  sha256,
  verifyNothing,
  verifyPassword,
} from './secrets.js';

export interface LoginResult {
  user: User;
  /** The session token for the cookie; never stored, never shown again. */
  token: string;
  expiresAt: Date;
}

const WRONG = 'e-mail or password is wrong';

/** What sign-in, sessions and API tokens read and write. */
export type AuthRepos = Uses<{
  loginFailures: 'lock' | 'facts' | 'record' | 'succeeded';
  users: 'findByEmail' | 'get' | 'setPasswordHash';
  sessions: 'create' | 'findValid' | 'touch' | 'delete' | 'deleteForUser';
  apiTokens: 'create' | 'findValid' | 'touch' | 'list' | 'get' | 'revoke';
  audit: 'record';
}>;

export class AuthService {
  constructor(
    private readonly store: Store<AuthRepos>,
    private readonly settings: AuthSettings,
  ) {}

  /** Cookies carry Secure when the public origin is https. */
  get secureCookies(): boolean {
    return this.settings.secureCookies;
  }

  private get repos(): AuthRepos {
    return this.store.repos;
  }

  /**
   * Checks the throttle, the password and the account, then records the outcome, all
   * under a lock on the e-mail and the client address: parallel guesses are counted
   * one after the other. See ThrottleRules for what holds a sign-in up.
   */
  async login(
    input: LoginInput,
    client: { ip: string | null; userAgent: string | null },
  ): Promise<LoginResult> {
    const email = input.email.toLowerCase();
    const token = newSessionToken();
    const expiresAt = new Date(Date.now() + this.settings.sessionMaxMs);
    const rules = this.settings.loginThrottle;
    const address = throttleAddress(client.ip);
    const outcome = await this.store.transaction(async (repos) => {
      await repos.loginFailures.lock(email, address);
      const facts = await repos.loginFailures.facts({
        email,
        clientIp: address,
        horizonMs: rules.horizonMs,
        pairRecent: rules.pairMax,
        addressRecent: rules.addressMax,
        knownForMs: rules.knownForMs,
      });
      const wait = signInWait(facts, rules);
      if (wait > 0) return { throttled: wait };
      const found = await repos.users.findByEmail(email);
      const good = found
        ? (await verifyPassword(found.passwordHash, input.password)) && !found.disabled
        : await verifyNothing(input.password);
      if (!found || !good) {
        await repos.loginFailures.record(email, address);
        await recordAudit(
          repos,
          found ? { id: found.id, email: found.email } : SYSTEM,
          'auth.login_failed',
          {
            type: 'user',
            id: found?.id ?? null,
            summary: { email, clientIp: client.ip },
          },
        );
        return 'wrong' as const;
      }
      const { passwordHash: _hash, ...user } = found;
      await repos.loginFailures.succeeded(email, address);
      await repos.sessions.create({
        userId: user.id,
        tokenHash: sha256(token),
        expiresAt,
        userAgent: client.userAgent?.slice(0, 300) ?? null,
        clientIp: client.ip,
      });
      await recordAudit(repos, { id: user.id, email: user.email }, 'auth.login', {
        type: 'user',
        id: user.id,
        summary: { clientIp: client.ip },
      });
      return user;
    });
    if (outcome === 'wrong') throw new TRPCError({ code: 'UNAUTHORIZED', message: WRONG });
    if ('throttled' in outcome) throw new ThrottledError(outcome.throttled);
    return { user: outcome, token, expiresAt };
  }

  async identifySession(token: string): Promise<Identity | null> {
    if (token.length > 100) return null;
    const found = await this.repos.sessions.findValid(sha256(token), {
      idleMs: this.settings.sessionIdleMs,
    });
    if (!found) return null;
    await this.repos.sessions.touch(found.sessionId);
    return { user: found.user, via: 'session', sessionId: found.sessionId, readOnly: false };
  }

  async identifyToken(token: string): Promise<Identity | null> {
    if (!token.startsWith(API_TOKEN_PREFIX) || token.length > 100) return null;
    const found = await this.repos.apiTokens.findValid(sha256(token));
    if (!found) return null;
    await this.repos.apiTokens.touch(found.tokenId);
    return { user: found.user, via: 'token', tokenId: found.tokenId, readOnly: found.readOnly };
  }

  /** Ends the session the call came with, or revokes the API token it came with. */
  async logout(identity: Identity): Promise<void> {
    const sessionId = identity.sessionId;
    if (sessionId === undefined) {
      if (identity.tokenId !== undefined) await this.revokeToken(identity, identity.tokenId);
      return;
    }
    await audited(
      this.store,
      actorOf(identity),
      'auth.logout',
      (repos) => repos.sessions.delete(sessionId),
      () => ({ type: 'user', id: identity.user.id }),
    );
  }

  /** Sets a new password and ends every other session of the user. */
  async changePassword(identity: Identity, input: ChangePasswordInput): Promise<void> {
    const found = await this.repos.users.findByEmail(identity.user.email);
    if (!found || !(await verifyPassword(found.passwordHash, input.currentPassword))) {
      throw new ForbiddenError('the current password is wrong');
    }
    const hash = await hashPassword(input.newPassword);
    await audited(
      this.store,
      actorOf(identity),
      'auth.change_password',
      async (repos) => {
        await repos.users.setPasswordHash(found.id, hash);
        return repos.sessions.deleteForUser(found.id, {
          ...(identity.sessionId !== undefined && { exceptSessionId: identity.sessionId }),
        });
      },
      (ended) => ({ type: 'user', id: found.id, summary: { otherSessionsEnded: ended } }),
    );
  }

  /** A new API token for `userId`; the token itself is returned once, here. */
  async createToken(
    actor: Identity,
    userId: number,
    input: TokenCreateInput,
  ): Promise<{ token: string; apiToken: ApiToken }> {
    const parsed = TokenCreateInput.parse(input);
    const { token, prefix } = newApiToken();
    const apiToken = await audited(
      this.store,
      actorOf(actor),
      'tokens.create',
      async (repos) => {
        await repos.users.get(userId);
        return repos.apiTokens.create({
          userId,
          name: parsed.name,
          prefix,
          tokenHash: sha256(token),
          readOnly: parsed.readOnly,
          expiresAt:
            parsed.expiresInDays === undefined
              ? null
              : new Date(Date.now() + parsed.expiresInDays * 86_400_000),
        });
      },
      (t) => ({
        type: 'api_token',
        id: t.id,
        summary: { name: t.name, prefix: t.prefix, userId, readOnly: t.readOnly },
      }),
    );
    return { token, apiToken };
  }

  listTokens(userId?: number): Promise<ApiToken[]> {
    return this.repos.apiTokens.list(userId === undefined ? {} : { userId });
  }

  /**
   * Revokes a token; only its owner or an admin may. A token may always revoke itself,
   * read-only or not; a read-only token revokes nothing else.
   */
  async revokeToken(actor: Identity, id: number): Promise<ApiToken> {
    const token = await this.repos.apiTokens.get(id);
    if (token.userId !== actor.user.id && actor.user.role !== 'admin') {
      throw new NotFoundError('api token', id);
    }
    if (actor.readOnly && actor.tokenId !== id) {
      throw new ForbiddenError('this API token is read-only');
    }
    return audited(
      this.store,
      actorOf(actor),
      'tokens.revoke',
      (repos) => repos.apiTokens.revoke(id),
      (t) => ({ type: 'api_token', id: t.id, summary: { name: t.name, prefix: t.prefix } }),
    );
  }
}
