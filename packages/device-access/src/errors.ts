import type { RunErrorReason } from '@netauto/schema';

/**
 * Why a command on a device did not complete. The message is for people and never
 * holds a secret; `reason` is the code a run records.
 */
export class RunError extends Error {
  constructor(
    readonly reason: RunErrorReason,
    message: string,
    /** The command's exit status, when it ended with one (`nonzero_exit`). */
    readonly exitCode: number | null = null,
  ) {
    super(message);
    this.name = 'RunError';
  }
}

export function isRunError(error: unknown): error is RunError {
  return error instanceof RunError;
}
