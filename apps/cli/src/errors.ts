import { errorInfo } from '@netauto/client';

/** Exit codes: 0 all went well, 1 something failed (a run, a call), 2 the command line was wrong. */
export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;
/** Ctrl-C, as shells count it (128 + SIGINT). */
export const EXIT_INTERRUPTED = 130;

/** A failure the user can act on; its message is the one line printed. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT_FAILED,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** The command line asks for something impossible: exit code 2. */
export class UsageError extends CliError {
  constructor(message: string) {
    super(message, EXIT_USAGE);
    this.name = 'UsageError';
  }
}

/** The command ran and reported its result, but it is a failure (a run that failed). */
export class FailedError extends CliError {}

function causeChain(error: unknown): unknown[] {
  const chain: unknown[] = [];
  let current: unknown = error;
  while (current instanceof Error && chain.length < 8) {
    chain.push(current);
    current = current.cause;
  }
  return chain;
}

function isUnreachable(error: unknown): boolean {
  return causeChain(error).some((e) => {
    const code = (e as { code?: unknown }).code;
    return (
      (e instanceof TypeError && e.message === 'fetch failed') ||
      code === 'ECONNREFUSED' ||
      code === 'ENOTFOUND' ||
      code === 'EAI_AGAIN' ||
      code === 'ECONNRESET' ||
      code === 'UND_ERR_SOCKET'
    );
  });
}

function fieldSummary(fieldErrors: Record<string, string[]>): string {
  return Object.entries(fieldErrors)
    .slice(0, 5)
    .map(([field, messages]) => `${field || 'input'}: ${messages.join(', ')}`)
    .join('; ');
}

/** The one line that tells what went wrong and what to do. */
export function describeError(
  error: unknown,
  server?: string,
): { message: string; exitCode: number } {
  if (error instanceof CliError) return { message: error.message, exitCode: error.exitCode };
  // Ctrl-C at a prompt.
  if (error instanceof Error && error.name === 'ExitPromptError') {
    return { message: 'interrupted', exitCode: EXIT_INTERRUPTED };
  }
  const info = errorInfo(error);
  if (info) {
    switch (info.code) {
      case 'UNAUTHORIZED':
        return {
          message:
            'not signed in, or the token is no longer valid: run `netauto login` (or pass --token / set NETAUTO_TOKEN)',
          exitCode: EXIT_FAILED,
        };
      case 'FORBIDDEN':
        return {
          message: `${info.message}: your role does not allow this; ask an admin`,
          exitCode: EXIT_FAILED,
        };
      case 'BAD_REQUEST':
        return {
          message: info.fieldErrors
            ? `invalid input: ${fieldSummary(info.fieldErrors)}`
            : `invalid input: ${info.message}`,
          exitCode: EXIT_FAILED,
        };
      case 'TOO_MANY_REQUESTS':
        return { message: `${info.message}: wait a while and try again`, exitCode: EXIT_FAILED };
      case 'NOT_FOUND':
      case 'CONFLICT':
      case 'PRECONDITION_FAILED':
        return { message: info.message, exitCode: EXIT_FAILED };
      default:
        break;
    }
    if (isUnreachable(error)) {
      return {
        message: `cannot reach the NetAuto server${server ? ` at ${server}` : ''}: check that it runs, and --url or NETAUTO_URL`,
        exitCode: EXIT_FAILED,
      };
    }
    return {
      message: `the server answered: ${info.message} (run again with --debug for details)`,
      exitCode: EXIT_FAILED,
    };
  }
  if (isUnreachable(error)) {
    return {
      message: `cannot reach the NetAuto server${server ? ` at ${server}` : ''}: check that it runs, and --url or NETAUTO_URL`,
      exitCode: EXIT_FAILED,
    };
  }
  const code = (error as { code?: unknown } | null)?.code;
  if (error instanceof Error && (code === 'ENOENT' || code === 'EACCES' || code === 'EISDIR')) {
    return { message: `${error.message}: check the path`, exitCode: EXIT_FAILED };
  }
  const message = error instanceof Error ? error.message : String(error);
  return {
    message: `unexpected error: ${message} (run again with --debug for the details)`,
    exitCode: EXIT_FAILED,
  };
}
