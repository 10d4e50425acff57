import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';

export type { Logger } from 'pino';

/**
 * Keys whose values never reach a log line, at any depth. An API call's input is one of
 * them whatever its fields are called: people type passwords into the wrong field.
 */
const SECRET_KEY =
  /pass(word|phrase)?|secret|token|priv(ate)?_?key|cookie|authorization|credential|hash$|^key$|^(raw_?)?input$/i;

/** Paths pino removes fast before the deep pass below (the common places). */
const REDACT_PATHS = [
  'password',
  'passphrase',
  'secret',
  'token',
  'cookie',
  'authorization',
  '*.password',
  '*.passphrase',
  '*.secret',
  '*.token',
  '*.cookie',
  '*.authorization',
  'req.headers.cookie',
  'req.headers.authorization',
  'headers.cookie',
  'headers.authorization',
  'input',
];

export const REDACTED = '[redacted]';

/** A copy of `value` with every secret-looking key's value replaced, at any depth. */
export function redactSecrets(value: unknown, depth = 0): unknown {
  if (depth > 8) return '[deep]';
  if (Array.isArray(value)) return value.slice(0, 100).map((v) => redactSecrets(v, depth + 1));
  if (value instanceof Error) {
    return { type: value.name, message: value.message, stack: value.stack };
  }
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      out[k] = SECRET_KEY.test(k) ? REDACTED : redactSecrets(v, depth + 1);
    }
    return out;
  }
  if (typeof value === 'string' && value.length > 2000) return `${value.slice(0, 2000)}…`;
  return value;
}

export interface LogOptions {
  /** pino's level (default info; processes pass NETAUTO_LOG_LEVEL from their configuration). */
  level?: string;
  /** Where lines go (default stdout). */
  destination?: DestinationStream;
  /** Fields on every line, such as `{ component: 'worker' }`. */
  base?: Record<string, unknown>;
}

/**
 * JSON logs, one object per line, with passwords, secrets, tokens, cookies and keys
 * redacted wherever they sit in a logged object.
 */
export function createLogger(options: LogOptions = {}): Logger {
  const config: LoggerOptions = {
    level: options.level ?? 'info',
    base: { pid: process.pid, ...options.base },
    redact: { paths: REDACT_PATHS, censor: REDACTED },
    formatters: {
      log: (object) => redactSecrets(object) as Record<string, unknown>,
    },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return options.destination ? pino(config, options.destination) : pino(config);
}
