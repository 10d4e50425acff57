import type { Config } from '@netauto/config';
import {
  ACCOUNT_FIRST_DELAY_MS,
  ACCOUNT_MAX_DELAY_MS,
  KNOWN_ADDRESS_MS,
  THROTTLE_HORIZON_MS,
  type ThrottleRules,
} from './auth/throttle.js';

export interface AuthSettings {
  sessionIdleMs: number;
  sessionMaxMs: number;
  /** How failed sign-ins slow down the next ones. */
  loginThrottle: ThrottleRules;
  secureCookies: boolean;
}

/** Sessions, sign-in throttling and cookies, from the configuration. */
export function authSettingsFrom(config: Pick<Config, 'api' | 'server'>): AuthSettings {
  const env = config.api;
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
    secureCookies: config.server.ORIGIN?.startsWith('https:') ?? false,
  };
}
