import type { Database } from '@netauto/db';
import { readRunnerEnv } from '../env.js';
import { createDeviceAccess } from '../execute.js';
import { createLogger, type Logger } from '../observability/logger.js';
import { retentionFromEnv } from '../retention/retention.js';
import { startWorkers, type Workers } from './queue.js';

/**
 * Queue workers set up from the environment (concurrency, heartbeat, quotas, access,
 * the daily retention purge, logs).
 */
export function startWorkersFromEnv(
  db: Database,
  env?: NodeJS.ProcessEnv,
  logger?: Logger,
): Promise<Workers> {
  const e = readRunnerEnv(env);
  return startWorkers({
    db,
    access: createDeviceAccess(db, env),
    url: db.url,
    concurrency: e.NETAUTO_WORKER_CONCURRENCY,
    heartbeatMs: e.NETAUTO_HEARTBEAT_MS,
    lostAfterMs: e.NETAUTO_WORKER_LOST_MS,
    quota: { global: e.NETAUTO_QUOTA_GLOBAL, perSite: e.NETAUTO_QUOTA_SITE },
    retention: retentionFromEnv(env),
    outageOutputMaxBytes: e.NETAUTO_OUTAGE_OUTPUT_MAX_BYTES,
    logger: logger ?? createLogger({ level: e.NETAUTO_LOG_LEVEL, base: { component: 'worker' } }),
  });
}
