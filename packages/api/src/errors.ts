import { DATABASE_UNAVAILABLE_MESSAGE, DomainError, isDatabaseUnavailable } from '@netauto/db';
import { TRPCError } from '@trpc/server';
import type { TRPC_ERROR_CODE_KEY } from '@trpc/server/rpc';
import { waitText } from './auth/throttle.js';

/** The one map from domain errors to transport codes. */
const CODES: Record<DomainError['kind'], TRPC_ERROR_CODE_KEY> = {
  not_found: 'NOT_FOUND',
  conflict: 'CONFLICT',
  invalid_state: 'PRECONDITION_FAILED',
  validation: 'BAD_REQUEST',
  forbidden: 'FORBIDDEN',
};

export function toTRPCError(error: unknown): TRPCError | undefined {
  if (error instanceof TRPCError) {
    if (error.cause instanceof DomainError) return toTRPCError(error.cause);
    return error.code === 'INTERNAL_SERVER_ERROR' && isDatabaseUnavailable(error.cause)
      ? unavailable(error.cause)
      : error;
  }
  if (error instanceof DomainError) {
    return new TRPCError({ code: CODES[error.kind], message: error.message, cause: error });
  }
  if (isDatabaseUnavailable(error)) return unavailable(error);
  return undefined;
}

/** The database cannot be reached: the caller may try again shortly (HTTP 503). */
function unavailable(cause: unknown): TRPCError {
  return new TRPCError({
    code: 'SERVICE_UNAVAILABLE',
    message: DATABASE_UNAVAILABLE_MESSAGE,
    cause: cause instanceof Error ? cause : undefined,
  });
}

/** Too many failed sign-ins: the caller must wait, and is told how long. */
export class ThrottledError extends TRPCError {
  constructor(readonly retryAfterMs: number) {
    super({
      code: 'TOO_MANY_REQUESTS',
      message: `too many failed sign-ins; try again in ${waitText(retryAfterMs)}`,
    });
  }
}
