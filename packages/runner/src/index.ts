export {
  DeviceAccess,
  createDeviceAccess,
  settingsFromEnv,
  type DeviceTarget,
  type ExecuteOptions,
  type ExecuteResult,
  type Timeouts,
  type DeviceAccessSettings,
} from './execute.js';
export { RunError, isRunError } from './errors.js';
export { Secrets, parseCredRef, type Credentials } from './secrets/secrets.js';
export { encryptSecret, decryptSecret, parseSecretKey } from './secrets/crypto.js';
export { HostKeys, fingerprintOf, keyTypeOf, type HostKeyMode } from './hostkeys/hostkeys.js';
export { DRIVERS, type Driver } from './drivers/drivers.js';
export { renderTemplate } from '@netauto/schema';
export { executeRun, type ExecutorDeps } from './executor/executor.js';
export {
  enqueueRun,
  requestCancel,
  startWorkers,
  type Workers,
  type WorkerOptions,
} from './executor/queue.js';
export { ChunkWriter } from './executor/chunk-writer.js';
export {
  BulkProgressHub,
  Listener,
  OutputHub,
  type Announcement,
  type Wakeup,
} from './executor/follow.js';
export { startWorkersFromEnv } from './executor/from-env.js';
export {
  createLogger,
  redactSecrets,
  REDACTED,
  type Logger,
  type LogOptions,
} from './observability/logger.js';
export {
  metricsRegistry,
  metricsText,
  METRICS_CONTENT_TYPE,
  collectDatabaseMetrics,
  collectProcessMetrics,
  instrumentAccess,
  apiRequestDuration,
} from './observability/metrics.js';
export { opsHandler, startOpsServer, type OpsOptions } from './observability/ops.js';
export { logUnhandledRejections } from './observability/last-resort.js';
export {
  purgeRuns,
  retentionFromEnv,
  retentionCrontab,
  RETENTION_TASK,
  type RetentionSettings,
  type PurgeResult,
  type PurgeOptions,
} from './retention/retention.js';
