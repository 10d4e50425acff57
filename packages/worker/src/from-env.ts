import type { Config } from '@netauto/config';
import type { Database } from '@netauto/db';
import { createDeviceAccess } from '@netauto/device-access';
import { createLogger, type Logger } from '@netauto/observability';
import { retentionFromEnv } from './retention.js';
import { startWorkers, type Workers } from './queue.js';

/**
 * Queue workers set up from the configuration (concurrency, heartbeat, quotas, access,
 * the daily retention purge, logs). An `env:` credential whose NETAUTO_<REF>_ALLOW is
 * invalid stops the start, naming the variable; one without a scope is flagged with a
 * warning line naming the reference (never the secret).
 */
export async function startWorkersFromEnv(
  db: Database,
  config: Pick<Config, 'deviceAccess' | 'worker' | 'observability' | 'credentials'>,
  logger?: Logger,
): Promise<Workers> {
  const e = config.worker;
  const log =
    logger ??
    createLogger({ level: config.observability.NETAUTO_LOG_LEVEL, base: { component: 'worker' } });
  const access = createDeviceAccess(db, config);
  for (const credential of access.secrets.environmentCredentials()) {
    if (credential.status === 'invalid') {
      throw new Error(`invalid environment: ${credential.problem ?? credential.variable}`);
    }
    if (credential.status === 'unscoped') {
      log.warn(
        { ref: credential.ref, variable: credential.variable },
        `credential ${credential.ref} has no scope: any device may use it; set ${credential.variable} to the networks and/or sites where it may be used (for example 10.0.0.0/8,site=dc1)`,
      );
    }
  }
  return startWorkers({
    db,
    access,
    url: db.url,
    concurrency: e.NETAUTO_WORKER_CONCURRENCY,
    heartbeatMs: e.NETAUTO_HEARTBEAT_MS,
    lostAfterMs: e.NETAUTO_WORKER_LOST_MS,
    quota: { global: e.NETAUTO_QUOTA_GLOBAL, perSite: e.NETAUTO_QUOTA_SITE },
    retention: retentionFromEnv(config),
    outageOutputMaxBytes: e.NETAUTO_OUTAGE_OUTPUT_MAX_BYTES,
    logger: log,
  });
}
