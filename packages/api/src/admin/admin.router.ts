import {
  AdminTokenCreateInput,
  ApiToken,
  ById,
  CredentialInfo,
  CredentialName,
  CredentialScopeSet,
  CredentialSet,
  EnvCredentialInfo,
  HostKeyAcceptInput,
  HostKeyRef,
  KnownHost,
  Settings,
  ResetPasswordInput,
  RetentionPreview,
  User,
  UserCreateInput,
  UserListInput,
  UserUpdateInput,
} from '@netauto/schema';
import { z } from 'zod';
import { TokenCreated } from '../auth/auth.router.js';
import { adminProcedure, router } from '../trpc.js';

export const adminRouter = router({
  users: router({
    list: adminProcedure
      .input(UserListInput.prefault({}))
      .output(z.array(User))
      .query(({ ctx, input }) => ctx.services.users.list(input)),
    byId: adminProcedure
      .input(ById)
      .output(User)
      .query(({ ctx, input }) => ctx.services.users.get(input.id)),
    create: adminProcedure
      .input(UserCreateInput)
      .output(User)
      .mutation(({ ctx, input }) => ctx.services.users.create(ctx.identity, input)),
    update: adminProcedure
      .input(UserUpdateInput)
      .output(User)
      .mutation(({ ctx, input }) => ctx.services.users.update(ctx.identity, input)),
    resetPassword: adminProcedure
      .input(ResetPasswordInput)
      .output(User)
      .mutation(({ ctx, input }) => ctx.services.users.resetPassword(ctx.identity, input)),
  }),
  tokens: router({
    list: adminProcedure
      .input(z.strictObject({ userId: z.number().int().positive().optional() }).prefault({}))
      .output(z.array(ApiToken))
      .query(({ ctx, input }) => ctx.services.auth.listTokens(input.userId)),
    create: adminProcedure
      .input(AdminTokenCreateInput)
      .output(TokenCreated)
      .mutation(({ ctx, input }) => {
        const { userId, ...rest } = input;
        return ctx.services.auth.createToken(ctx.identity, userId, rest);
      }),
    revoke: adminProcedure
      .input(ById)
      .output(ApiToken)
      .mutation(({ ctx, input }) => ctx.services.auth.revokeToken(ctx.identity, input.id)),
  }),
  retention: router({
    /** What the next purge of run history would delete, under the current limits. */
    preview: adminProcedure
      .input(z.strictObject({}).optional())
      .output(RetentionPreview)
      .query(({ ctx }) => ctx.services.retention.preview()),
  }),
  /**
   * The `db:` credential store: write-only, a secret is never sent back. Every credential
   * has a scope (networks and/or sites) outside which the runner refuses to use it.
   */
  credentials: router({
    list: adminProcedure
      .input(z.strictObject({}).optional())
      .output(z.array(CredentialInfo))
      .query(({ ctx }) => ctx.services.access.listCredentials()),
    set: adminProcedure
      .input(CredentialSet)
      .output(CredentialInfo)
      .mutation(({ ctx, input }) => ctx.services.access.setCredential(ctx.identity, input)),
    /** Changes where a stored credential may be used, keeping its secret. */
    scope: adminProcedure
      .input(CredentialScopeSet)
      .output(CredentialInfo)
      .mutation(({ ctx, input }) => ctx.services.access.setCredentialScope(ctx.identity, input)),
    /** The `env:` credentials of this server's environment and their scopes (names only). */
    environment: adminProcedure
      .input(z.strictObject({}).optional())
      .output(z.array(EnvCredentialInfo))
      .query(({ ctx }) => ctx.services.access.environmentCredentials()),
    delete: adminProcedure
      .input(z.strictObject({ name: CredentialName }))
      .output(CredentialInfo)
      .mutation(({ ctx, input }) => ctx.services.access.deleteCredential(ctx.identity, input.name)),
  }),
  hostKeys: router({
    list: adminProcedure
      .input(z.strictObject({}).optional())
      .output(z.array(KnownHost))
      .query(({ ctx }) => ctx.services.access.listHostKeys()),
    /** Trusts the changed key a host presented; `fingerprint` is the key the admin checked. */
    accept: adminProcedure
      .input(HostKeyAcceptInput)
      .output(KnownHost)
      .mutation(({ ctx, input }) => ctx.services.access.acceptHostKey(ctx.identity, input)),
    forget: adminProcedure
      .input(HostKeyRef)
      .output(KnownHost)
      .mutation(({ ctx, input }) => ctx.services.access.forgetHostKey(ctx.identity, input)),
  }),
  /** Quotas, timeouts, host key mode and retention as this process runs with them. */
  settings: adminProcedure
    .input(z.strictObject({}).optional())
    .output(Settings)
    .query(({ ctx }) => ctx.services.access.settings()),
});
