import type { Database } from '@netauto/db';
import { readRunnerEnv } from '../env.js';
import { createDeviceAccess } from '../execute.js';
import { startWorkers, type Workers } from './queue.js';

/** Queue workers set up from the environment (concurrency, heartbeat, quotas, access). */
export function startWorkersFromEnv(db: Database, env?: NodeJS.ProcessEnv): Promise<Workers> {
  const e = readRunnerEnv(env);
  return startWorkers({
    db,
    access: createDeviceAccess(db, env),
    url: db.url,
    concurrency: e.NETAUTO_WORKER_CONCURRENCY,
    heartbeatMs: e.NETAUTO_HEARTBEAT_MS,
    lostAfterMs: e.NETAUTO_WORKER_LOST_MS,
    quota: { global: e.NETAUTO_QUOTA_GLOBAL, perSite: e.NETAUTO_QUOTA_SITE },
  });
}
