export { createLogger, redactSecrets, REDACTED, type Logger, type LogOptions } from './logger.js';
export {
  metricsRegistry,
  metricsText,
  METRICS_CONTENT_TYPE,
  collectDatabaseMetrics,
  collectProcessMetrics,
  observeQueueWait,
  quotaWaits,
  apiRequestDuration,
  activeSessions,
  outputBytes,
  runDuration,
  runsFinished,
  runsStarted,
} from './metrics.js';
export { opsHandler, startOpsServer, type OpsOptions } from './ops.js';
export { logUnhandledRejections } from './last-resort.js';
