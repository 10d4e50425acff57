import { randomBytes } from 'node:crypto';
import {
  ResetPasswordInput,
  UserCreateInput,
  UserUpdateInput,
  type User,
  type UserListInput,
} from '@netauto/schema';
import { actorOf, audited } from '../audit/audit.js';
import { hashPassword } from '../auth/secrets.js';
import type { Identity } from '../context.js';
import type { Store, Uses } from '../store.js';

/** What the users service reads and writes. */
export type UsersRepos = Uses<{
  users: 'list' | 'get' | 'countActiveAdmins' | 'create' | 'update' | 'setPasswordHash';
  sessions: 'deleteForUser';
  apiTokens: 'revokeAllForUser';
  audit: 'record';
}>;

export class UsersService {
  constructor(private readonly store: Store<UsersRepos>) {}

  list(input: UserListInput): Promise<User[]> {
    return this.store.repos.users.list(input);
  }

  get(id: number): Promise<User> {
    return this.store.repos.users.get(id);
  }

  /**
   * The first admin, when there is no active admin yet: with the given password, or a
   * generated one that the caller shows once. Returns undefined when an admin exists.
   */
  async ensureFirstAdmin(
    email: string,
    password: string | undefined,
  ): Promise<{ user: User; password: string; generated: boolean } | undefined> {
    if ((await this.store.repos.users.countActiveAdmins()) > 0) return undefined;
    const chosen = password ?? randomBytes(12).toString('base64url');
    const user = await this.create(null, { email, password: chosen, role: 'admin' });
    return { user, password: chosen, generated: password === undefined };
  }

  async create(actor: Identity | null, input: UserCreateInput): Promise<User> {
    const u = UserCreateInput.parse(input);
    const passwordHash = await hashPassword(u.password);
    return audited(
      this.store,
      actor ? actorOf(actor) : { id: null, email: null },
      'users.create',
      (repos) => repos.users.create({ email: u.email, passwordHash, role: u.role }),
      (user) => ({ type: 'user', id: user.id, summary: { email: user.email, role: user.role } }),
    );
  }

  /** Changes e-mail, role or disabled; disabling ends the user's sessions. */
  async update(actor: Identity, input: UserUpdateInput): Promise<User> {
    const { id, ...patch } = UserUpdateInput.parse(input);
    return audited(
      this.store,
      actorOf(actor),
      'users.update',
      async (repos) => {
        // The repository refuses to demote or disable the last active admin.
        const user = await repos.users.update(id, patch);
        if (patch.disabled === true) await repos.sessions.deleteForUser(id, {});
        return user;
      },
      (user) => ({ type: 'user', id: user.id, summary: patch }),
    );
  }

  /** Sets a new password, ends all of the user's sessions and revokes their API tokens. */
  async resetPassword(actor: Identity, input: ResetPasswordInput): Promise<User> {
    const { id, password } = ResetPasswordInput.parse(input);
    const hash = await hashPassword(password);
    return audited(
      this.store,
      actorOf(actor),
      'users.reset_password',
      async (repos) => {
        await repos.users.setPasswordHash(id, hash);
        // A reset follows a lost or stolen password: every way in that it gave goes.
        await repos.sessions.deleteForUser(id, {});
        await repos.apiTokens.revokeAllForUser(id);
        return repos.users.get(id);
      },
      (user) => ({ type: 'user', id: user.id }),
    );
  }
}
