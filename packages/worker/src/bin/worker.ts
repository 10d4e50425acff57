#!/usr/bin/env node
// netauto-worker: runs queued runs, alone, for scale-out. Any number of these (and of
// web processes running workers in-process) share one PostgreSQL. Stops cleanly on
// SIGINT and SIGTERM: runs in hand finish, no new ones are taken.
import { isDatabaseUnavailable, openDatabase } from '@netauto/db';
import { readRunnerEnv } from '@netauto/device-access';
import { createLogger, logUnhandledRejections, startOpsServer } from '@netauto/observability';
import { startWorkersFromEnv } from '../from-env.js';

const env = readRunnerEnv();
const logger = createLogger({ level: env.NETAUTO_LOG_LEVEL, base: { component: 'worker' } });
logUnhandledRejections(logger);
const opened = await openDatabase({ applicationName: 'netauto-worker' });
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
const workers = await startWorkersFromEnv(opened.db, undefined, logger);
console.log(
  `netauto-worker ${process.pid}: taking runs, ${env.NETAUTO_WORKER_CONCURRENCY} at a time`,
);
// This process's own counters (runs, bytes, sessions) can only be scraped here.
const ops =
  env.NETAUTO_METRICS_PORT === undefined
    ? undefined
    : await startOpsServer({
        db: opened.db,
        logger,
        metricsToken: env.NETAUTO_METRICS_TOKEN,
        port: env.NETAUTO_METRICS_PORT,
        host: env.NETAUTO_METRICS_HOST,
      });
if (ops) {
  console.log(
    `netauto-worker ${process.pid}: /healthz, /readyz and /metrics on port ${env.NETAUTO_METRICS_PORT}`,
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
