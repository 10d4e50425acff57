// How tests read a refused call: the TRPCError it failed with, and the field errors
// that the error formatter sends with it.
import { TRPCError } from '@trpc/server';
import { expect } from 'vitest';

/** The TRPCError a call failed with (the test fails when it succeeded or failed otherwise). */
export async function errorOf(promise: Promise<unknown>): Promise<TRPCError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TRPCError);
  return error as TRPCError;
}

/** The fieldErrors the error formatter sends, as the client sees them: from zod's issues, or a domain error's own. */
export function fieldErrorsOf(error: TRPCError): Record<string, string[]> {
  const cause = error.cause as {
    fieldErrors?: Record<string, string[]>;
    issues?: { path: PropertyKey[]; message: string }[];
  };
  if (cause.fieldErrors) return cause.fieldErrors;
  const out: Record<string, string[]> = {};
  for (const i of cause.issues ?? []) (out[i.path.map(String).join('.')] ??= []).push(i.message);
  return out;
}
