import type { Logger } from './logger.js';

let installed = false;

/**
 * A last resort for a NetAuto process: a promise that fails with nobody waiting for it
 * (a library's, when its database went away at a bad moment) is logged in one line,
 * and the process goes on instead of exiting. Every known case is handled where it
 * happens; this only keeps an unknown one from taking the process down.
 */
export function logUnhandledRejections(logger: Logger): void {
  if (installed) return;
  installed = true;
  process.on('unhandledRejection', (reason) => {
    const message = reason instanceof Error ? reason.message : String(reason);
    logger.error({ reason: message }, 'a failed promise had no handler; the process goes on');
  });
}
