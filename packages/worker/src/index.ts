export { executeRun, type ExecutorDeps } from './run-job.js';
export {
  enqueueRun,
  requestCancel,
  startWorkers,
  type Workers,
  type WorkerOptions,
} from './queue.js';
export { ChunkWriter } from './chunk-writer.js';
export { BulkProgressHub, Listener, OutputHub, type Announcement, type Wakeup } from './follow.js';
export { startWorkersFromEnv } from './from-env.js';
export {
  purgeRuns,
  retentionFromEnv,
  retentionCrontab,
  RETENTION_TASK,
  type RetentionSettings,
  type PurgeResult,
  type PurgeOptions,
} from './retention.js';
