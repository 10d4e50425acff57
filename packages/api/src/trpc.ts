import { ValidationError } from '@netauto/db';
import { apiRequestDuration } from '@netauto/observability';
import type { UserRole } from '@netauto/schema';
import { initTRPC, TRPCError } from '@trpc/server';
import { z } from 'zod';
import { endWith } from './auth/access-watch.js';
import { ROLE_RANK, type Context, type Identity } from './context.js';
import { toTRPCError } from './errors.js';

/** Every procedure says who may call it; the role walk test reads this. */
export interface Meta {
  role: 'public' | UserRole;
  /**
   * The mutation only ends the caller's own credential (logout, revoking a token): a
   * read-only token may call it too, and the service makes sure it ends nothing else.
   */
  ownCredential?: true;
}

const t = initTRPC
  .context<Context>()
  .meta<Meta>()
  .create({
    errorFormatter({ shape, error }) {
      const cause = error.cause;
      let fieldErrors: Record<string, string[]> | undefined;
      if (cause instanceof z.ZodError) {
        fieldErrors = {};
        for (const issue of cause.issues) {
          const key = issue.path.map(String).join('.') || 'input';
          (fieldErrors[key] ??= []).push(issue.message);
        }
      } else if (cause instanceof ValidationError) {
        fieldErrors = cause.fieldErrors;
      }
      const internal = error.code === 'INTERNAL_SERVER_ERROR';
      let message = shape.message;
      if (fieldErrors && cause instanceof z.ZodError) {
        message = Object.entries(fieldErrors)
          .map(([field, messages]) => `${field}: ${messages.join(', ')}`)
          .join('; ');
      }
      return {
        ...shape,
        // Never leak a driver's or a library's words for a fault of ours.
        message: internal ? 'internal error' : message,
        data: {
          code: shape.data.code,
          httpStatus: shape.data.httpStatus,
          path: shape.data.path,
          ...(fieldErrors && { fieldErrors }),
        },
      };
    },
  });

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;
export const mergeRouters = t.mergeRouters;

/** Domain errors become their transport code, whichever procedure threw them. */
const mapErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok) {
    const mapped = toTRPCError(result.error.cause ?? result.error);
    if (mapped) throw mapped;
  }
  return result;
});

/**
 * The names of the input fields a call was refused for (zod's or a service's field
 * errors): never their values.
 */
function refusedFields(cause: unknown): string[] | undefined {
  let names: string[] | undefined;
  if (cause instanceof z.ZodError) {
    names = cause.issues.map((issue) => issue.path.map(String).join('.') || 'input');
  } else if (cause instanceof ValidationError) {
    names = Object.keys(cause.fieldErrors);
  }
  return names && [...new Set(names)].sort();
}

/**
 * Every call's duration by procedure and result code (for /metrics), and a debug log
 * line. A failed call's line names the fields that were refused, never a value that
 * was sent: a password typed into the e-mail field must not land in a log.
 */
const observe = t.middleware(async ({ ctx, path, type, next }) => {
  const started = performance.now();
  const result = await next();
  const seconds = (performance.now() - started) / 1000;
  const code = result.ok ? 'OK' : result.error.code;
  apiRequestDuration.observe({ procedure: path, type, code }, seconds);
  const logger = ctx.services.logger;
  if (logger.isLevelEnabled('debug')) {
    const line = {
      procedure: path,
      type,
      code,
      ms: Math.round(seconds * 1000),
      userId: ctx.identity?.user.id ?? null,
    };
    if (result.ok) logger.debug(line, 'api call');
    else {
      const fields = refusedFields(result.error.cause);
      logger.debug({ ...line, ...(fields && { fields }) }, 'api call failed');
    }
  }
  return result;
});

const base = t.procedure.use(observe).use(mapErrors);

export const publicProcedure = base.meta({ role: 'public' });

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof value === 'object' && value !== null && Symbol.asyncIterator in value;
}

/**
 * The caller's identity and role, checked at the call; a subscription's caller is
 * checked again while it streams (see AccessWatch), so that it ends soon after a
 * revoked token, an ended session, a disabled user or a lost role.
 */
function requireRole(role: UserRole) {
  return t.middleware(async ({ ctx, type, meta, next, signal }) => {
    const identity = ctx.identity;
    if (!identity) throw new TRPCError({ code: 'UNAUTHORIZED', message: 'sign in first' });
    if (ROLE_RANK[identity.user.role] < ROLE_RANK[role]) {
      throw new TRPCError({
        code: 'FORBIDDEN',
        message: `this needs the ${role} role; you are ${identity.user.role}`,
      });
    }
    if (identity.readOnly && type === 'mutation' && meta?.ownCredential !== true) {
      throw new TRPCError({ code: 'FORBIDDEN', message: 'this API token is read-only' });
    }
    const result = await next({ ctx: { ...ctx, identity: identity satisfies Identity } });
    if (type !== 'subscription' || !result.ok || !isAsyncIterable(result.data)) return result;
    const lease = ctx.services.accessWatch.watch(identity, role);
    signal?.addEventListener(
      'abort',
      () => {
        lease.stop();
      },
      { once: true },
    );
    return { ...result, data: endWith(result.data, lease) };
  });
}

export const viewerProcedure = base.meta({ role: 'viewer' }).use(requireRole('viewer'));
export const operatorProcedure = base.meta({ role: 'operator' }).use(requireRole('operator'));
export const adminProcedure = base.meta({ role: 'admin' }).use(requireRole('admin'));
