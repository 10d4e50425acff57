import {
  AdminTokenCreateInput,
  ApiToken,
  ById,
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
});
