#!/usr/bin/env node
// netauto-worker: runs queued runs, alone, for scale-out. Any number of these (and of
// web processes running workers in-process) share one PostgreSQL. Stops cleanly on
// SIGINT and SIGTERM: runs in hand finish, no new ones are taken.
import { loadConfig } from '@netauto/config';
import { isDatabaseUnavailable, openDatabase } from '@netauto/db';
import { createLogger, logUnhandledRejections, startOpsServer } from '@netauto/observability';
import { startWorkersFromEnv } from '../from-env.js';

// The one place this process reads its environment; what follows gets these settings.
const config = loadConfig(process.env, ['database', 'deviceAccess', 'worker', 'observability']);
const { worker: settings, observability } = config;
const logger = createLogger({
  level: observability.NETAUTO_LOG_LEVEL,
  base: { component: 'worker' },
});
logUnhandledRejections(logger);
const opened = await openDatabase(config, { applicationName: 'netauto-worker' });
// A database that is not up yet is waited for, not a reason to exit.
for (let said = false; ;) {
  try {
    await opened.db.migrate();
    break;
  } catch (error) {
    if (!isDatabaseUnavailable(error)) throw error;
    if (!said) logger.warn('the database is unreachable; waiting for it');
    said = true;
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
}
const workers = await startWorkersFromEnv(opened.db, config, logger);
console.log(
  `netauto-worker ${process.pid}: taking runs, ${settings.NETAUTO_WORKER_CONCURRENCY} at a time`,
);
// This process's own counters (runs, bytes, sessions) can only be scraped here.
const ops =
  observability.NETAUTO_METRICS_PORT === undefined
    ? undefined
    : await startOpsServer({
        db: opened.db,
        logger,
        metricsToken: observability.NETAUTO_METRICS_TOKEN,
        port: observability.NETAUTO_METRICS_PORT,
        host: observability.NETAUTO_METRICS_HOST,
      });
if (ops) {
  console.log(
    `netauto-worker ${process.pid}: /healthz, /readyz and /metrics on port ${observability.NETAUTO_METRICS_PORT}`,
  );
}

let stopping = false;
async function stop(signal: string) {
  if (stopping) return;
  stopping = true;
  console.log(`netauto-worker ${process.pid}: ${signal}, finishing the runs in hand`);
  await workers.stop();
  if (ops) await new Promise((resolve) => ops.close(resolve));
  await opened.close();
}
process.once('SIGINT', () => void stop('SIGINT'));
process.once('SIGTERM', () => void stop('SIGTERM'));
