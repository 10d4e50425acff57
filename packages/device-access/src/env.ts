import { isReservedCredRef, parseEnv } from '@netauto/schema';
import { z } from 'zod';

const Flag = z
  .enum(['0', '1', 'true', 'false'])
  .default('0')
  .transform((v) => v === '1' || v === 'true');

const Env = z.object({
  /** 32 bytes, base64 or hex: the key of the `db:` credential store. */
  NETAUTO_SECRET_KEY: z.string().optional(),
  /** Telnet is off unless this is 1. */
  NETAUTO_ENABLE_TELNET: Flag,
  /** tofu: trust a host key on first use; strict: refuse keys not already known. */
  NETAUTO_HOST_KEYS: z.enum(['tofu', 'strict']).default('tofu'),
  NETAUTO_CONNECT_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(10_000),
  NETAUTO_COMMAND_TIMEOUT_MS: z.coerce.number().int().min(100).max(86_400_000).default(60_000),
  /** How often a worker says its runs are alive, and when a silent one counts as lost. */
  NETAUTO_HEARTBEAT_MS: z.coerce.number().int().min(50).max(600_000).default(5000),
  NETAUTO_WORKER_LOST_MS: z.coerce.number().int().min(200).max(3_600_000).default(30_000),
  /** Runs at once in all and per site (devices without a site share "default"), across processes. */
  NETAUTO_QUOTA_GLOBAL: z.coerce.number().int().min(1).max(100_000).default(50),
  NETAUTO_QUOTA_SITE: z.coerce.number().int().min(1).max(100_000).default(5),
  /** Runs at once in one worker process. */
  NETAUTO_WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(1000).default(50),
  /** Runs are kept this many days, then the daily retention job deletes them. */
  NETAUTO_RUN_MAX_DAYS: z.coerce.number().int().min(1).max(36_500).default(30),
  /** Output kept per device; its oldest finished runs beyond this go (default 1 GiB). */
  NETAUTO_RUN_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .max(2 ** 50)
    .default(2 ** 30),
  /** When the retention job runs (cron, UTC; default daily at 03:15). */
  NETAUTO_RETENTION_CRON: z
    .string()
    .regex(/^\S+ \S+ \S+ \S+ \S+$/, 'must be a cron schedule of five fields')
    .default('15 3 * * *'),
  /** A port on which a worker process serves /healthz, /readyz and /metrics (none if unset). */
  NETAUTO_METRICS_PORT: z.coerce.number().int().min(1).max(65_535).optional(),
  /** The address it listens on (default 127.0.0.1; 0.0.0.0 for a scraper on another host). */
  NETAUTO_METRICS_HOST: z.string().min(1).default('127.0.0.1'),
  /** When set, /metrics asks for `Authorization: Bearer <token>`. */
  NETAUTO_METRICS_TOKEN: z.string().min(16).optional(),
  /** trace, debug, info, warn, error, fatal or silent. */
  NETAUTO_LOG_LEVEL: z
    .enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'])
    .default('info'),
  NETAUTO_OUTPUT_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .max(2 ** 40)
    .default(64 * 1024 * 1024),
  /** Output a run holds in memory while the database is unreachable; past it the run ends. */
  NETAUTO_OUTAGE_OUTPUT_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .max(2 ** 34)
    .default(16 * 1024 * 1024),
});
export type RunnerEnv = z.infer<typeof Env>;

export function readRunnerEnv(env: NodeJS.ProcessEnv = process.env): RunnerEnv {
  return parseEnv(Env, env);
}

/** The NETAUTO_<REF>_* variables of an `env:` credential, read in this one place. */
export function credentialVariables(
  ref: string,
  env: NodeJS.ProcessEnv = process.env,
): Record<
  | 'username'
  | 'password'
  | 'privateKey'
  | 'privateKeyBase64'
  | 'passphrase'
  | 'enableSecret'
  | 'allow',
  string | undefined
> {
  const prefix = `NETAUTO_${ref.toUpperCase()}_`;
  const get = (suffix: string) => {
    const value = env[prefix + suffix];
    return value === undefined || value === '' ? undefined : value;
  };
  return {
    username: get('USERNAME'),
    password: get('PASSWORD'),
    privateKey: get('PRIVKEY'),
    privateKeyBase64: get('PRIVKEY_BASE64'),
    passphrase: get('PASSPHRASE'),
    enableSecret: get('ENABLE'),
    /** Where it may be used (see secrets/scope.ts); no secret. */
    allow: get('ALLOW'),
  };
}

const SECRET_VARIABLE = /^NETAUTO_([A-Z][A-Z0-9_]{0,63})_(?:PASSWORD|PRIVKEY|PRIVKEY_BASE64)$/;

/**
 * The `env:` credentials the environment defines: the REF of every NETAUTO_<REF>_PASSWORD,
 * _PRIVKEY or _PRIVKEY_BASE64 that is set (names reserved for NetAuto's own settings
 * excepted), sorted. Only names are read here, never values.
 */
export function environmentCredentialNames(env: NodeJS.ProcessEnv = process.env): string[] {
  const names = new Set<string>();
  for (const [variable, value] of Object.entries(env)) {
    const name = SECRET_VARIABLE.exec(variable)?.[1];
    if (name && value && !isReservedCredRef(name)) names.add(name);
  }
  return [...names].sort();
}
