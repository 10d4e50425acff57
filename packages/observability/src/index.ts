export { createLogger, redactSecrets, REDACTED, type Logger, type LogOptions } from './logger.js';
export {
  metricsRegistry,
  metricsText,
  METRICS_CONTENT_TYPE,
  collectDatabaseMetrics,
  collectProcessMetrics,
  instrumentAccess,
  observeQueueWait,
  quotaWaits,
  apiRequestDuration,
} from './metrics.js';
export { opsHandler, startOpsServer, type OpsOptions } from './ops.js';
export { logUnhandledRejections } from './last-resort.js';
