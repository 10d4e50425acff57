import {
  ApiToken,
  ById,
  ChangePasswordInput,
  LoginInput,
  OkOutput,
  TokenCreateInput,
  User,
} from '@netauto/schema';
import { z } from 'zod';
import { SESSION_COOKIE, type Context } from '../context.js';
import { publicProcedure, router, viewerProcedure } from '../trpc.js';

function sessionCookie(ctx: Context, value: string, maxAgeSeconds: number): string {
  const secure = ctx.services.auth.secureCookies ? '; Secure' : '';
  return `${SESSION_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${maxAgeSeconds}${secure}`;
}

const TokenCreated = z.object({ token: z.string(), apiToken: ApiToken });

export const authRouter = router({
  login: publicProcedure
    .input(LoginInput)
    .output(z.object({ user: User, expiresAt: z.string() }))
    .mutation(async ({ ctx, input }) => {
      const result = await ctx.services.auth.login(input, {
        ip: ctx.request.clientIp,
        userAgent: ctx.request.header('user-agent') ?? null,
      });
      const maxAge = Math.floor((result.expiresAt.getTime() - Date.now()) / 1000);
      ctx.request.setCookie(sessionCookie(ctx, result.token, maxAge));
      return { user: result.user, expiresAt: result.expiresAt.toISOString() };
    }),

  /** Ends the caller's session, or revokes the API token the call came with. */
  logout: viewerProcedure
    .meta({ role: 'viewer', ownCredential: true })
    .output(OkOutput)
    .mutation(async ({ ctx }) => {
      await ctx.services.auth.logout(ctx.identity);
      ctx.request.setCookie(sessionCookie(ctx, '', 0));
      return { ok: true as const };
    }),

  me: viewerProcedure
    .output(User.extend({ via: z.enum(['session', 'token']), readOnly: z.boolean() }))
    .query(({ ctx }) => ({
      ...ctx.identity.user,
      via: ctx.identity.via,
      readOnly: ctx.identity.readOnly,
    })),

  changePassword: viewerProcedure
    .input(ChangePasswordInput)
    .output(OkOutput)
    .mutation(async ({ ctx, input }) => {
      await ctx.services.auth.changePassword(ctx.identity, input);
      return { ok: true as const };
    }),

  /** The caller's own API tokens (what `netauto login` makes). */
  tokens: router({
    list: viewerProcedure
      .output(z.array(ApiToken))
      .query(({ ctx }) => ctx.services.auth.listTokens(ctx.identity.user.id)),
    create: viewerProcedure
      .input(TokenCreateInput)
      .output(TokenCreated)
      .mutation(({ ctx, input }) =>
        ctx.services.auth.createToken(ctx.identity, ctx.identity.user.id, input),
      ),
    /** A read-only token may revoke itself, and nothing else. */
    revoke: viewerProcedure
      .meta({ role: 'viewer', ownCredential: true })
      .input(ById)
      .output(ApiToken)
      .mutation(({ ctx, input }) => ctx.services.auth.revokeToken(ctx.identity, input.id)),
  }),
});

export { TokenCreated };
