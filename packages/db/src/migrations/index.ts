import { runHeartbeat } from './0004-run-heartbeat.js';
import { runRetry } from './0005-run-retry.js';
import { bulkProgress } from './0006-bulk-progress.js';
import { runDeviceBusy } from './0007-run-device-busy.js';
import { outputHashSha256 } from './0008-output-hash-sha256.js';
import { runErrorReasons } from './0009-run-error-reasons.js';
import { credentialScopeHostPins } from './0011-credential-scope-host-pins.js';
import { knownHostPending } from './0003-known-host-pending.js';
import { initial } from './0001-initial.js';
import { loginThrottle } from './0002-login-throttle.js';
import { loginKnownAddresses } from './0012-login-known-addresses.js';
import type { Migration } from './types.js';

/** Every migration, in order. Add new ones at the end; never edit one that has shipped. */
export const MIGRATIONS: readonly Migration[] = [
  initial,
  loginThrottle,
  knownHostPending,
  runHeartbeat,
  runRetry,
  bulkProgress,
  runDeviceBusy,
  outputHashSha256,
  runErrorReasons,
  credentialScopeHostPins,
  loginKnownAddresses,
];
