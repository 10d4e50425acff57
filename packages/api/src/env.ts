import { parseEnv } from '@netauto/schema';
import { z } from 'zod';
import {
  ACCOUNT_FIRST_DELAY_MS,
  ACCOUNT_MAX_DELAY_MS,
  KNOWN_ADDRESS_MS,
  THROTTLE_HORIZON_MS,
  type ThrottleRules,
} from './auth/throttle.js';

const Env = z.object({
  /** The public origin (https://netauto.example.net); https makes cookies Secure. */
  ORIGIN: z.url().optional(),
  /** A session ends after this long without use. */
  NETAUTO_SESSION_IDLE_MINUTES: z.coerce.number().int().min(1).max(43_200).default(720),
  /** A session ends this long after sign-in, used or not. */
  NETAUTO_SESSION_MAX_HOURS: z.coerce.number().int().min(1).max(8760).default(168),
  /** Failed sign-ins allowed for one e-mail from one client address in the window. */
  NETAUTO_LOGIN_MAX_FAILURES: z.coerce.number().int().min(1).max(1000).default(5),
  NETAUTO_LOGIN_WINDOW_MINUTES: z.coerce.number().int().min(1).max(1440).default(15),
  /** Failed sign-ins allowed from one client address, whatever the e-mails, in the window. */
  NETAUTO_LOGIN_ADDRESS_MAX_FAILURES: z.coerce.number().int().min(1).max(10_000).default(50),
  /** Failed sign-ins for one e-mail from anywhere in 24 hours before each try must wait. */
  NETAUTO_LOGIN_ACCOUNT_SLOW_AFTER: z.coerce.number().int().min(1).max(10_000).default(20),
  PORT: z.coerce.number().int().min(0).max(65535).default(3001),
  /** The first admin, created at start when there is none (a password is generated if unset). */
  NETAUTO_ADMIN_EMAIL: z.string().default('admin@netauto.local'),
  NETAUTO_ADMIN_PASSWORD: z.string().min(10).optional(),
  /** Run queue workers in this process too (0: leave runs to netauto-worker processes). */
  NETAUTO_WORKERS: z.enum(['0', '1']).default('1'),
  HOST: z.string().default('127.0.0.1'),
  /** trace, debug, info, warn, error, fatal or silent. */
  NETAUTO_LOG_LEVEL: z
    .enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'])
    .default('info'),
  /** When set, /metrics asks for `Authorization: Bearer <this>`. */
  NETAUTO_METRICS_TOKEN: z.string().min(16).optional(),
});
export type ApiEnv = z.infer<typeof Env>;

export function readApiEnv(env: NodeJS.ProcessEnv = process.env): ApiEnv {
  return parseEnv(Env, env);
}

export interface AuthSettings {
  sessionIdleMs: number;
  sessionMaxMs: number;
  /** How failed sign-ins slow down the next ones. */
  loginThrottle: ThrottleRules;
  secureCookies: boolean;
}

export function authSettingsFrom(env: ApiEnv): AuthSettings {
  return {
    sessionIdleMs: env.NETAUTO_SESSION_IDLE_MINUTES * 60_000,
    sessionMaxMs: env.NETAUTO_SESSION_MAX_HOURS * 3_600_000,
    loginThrottle: {
      windowMs: env.NETAUTO_LOGIN_WINDOW_MINUTES * 60_000,
      horizonMs: THROTTLE_HORIZON_MS,
      pairMax: env.NETAUTO_LOGIN_MAX_FAILURES,
      addressMax: env.NETAUTO_LOGIN_ADDRESS_MAX_FAILURES,
      accountSlowAfter: env.NETAUTO_LOGIN_ACCOUNT_SLOW_AFTER,
      accountFirstDelayMs: ACCOUNT_FIRST_DELAY_MS,
      accountMaxDelayMs: ACCOUNT_MAX_DELAY_MS,
      knownForMs: KNOWN_ADDRESS_MS,
    },
    secureCookies: env.ORIGIN?.startsWith('https:') ?? false,
  };
}
