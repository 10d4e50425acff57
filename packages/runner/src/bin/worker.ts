#!/usr/bin/env node
// netauto-worker: runs queued runs, alone, for scale-out. Any number of these (and of
// web processes running workers in-process) share one PostgreSQL. Stops cleanly on
// SIGINT and SIGTERM: runs in hand finish, no new ones are taken.
import { openDatabase } from '@netauto/db';
import { readRunnerEnv } from '../env.js';
import { createDeviceAccess } from '../execute.js';
import { startWorkers } from '../executor/queue.js';

const env = readRunnerEnv();
const opened = await openDatabase({ applicationName: 'netauto-worker' });
await opened.db.migrate();
const workers = await startWorkers({
  db: opened.db,
  access: createDeviceAccess(opened.db),
  url: opened.db.url,
  concurrency: env.NETAUTO_WORKER_CONCURRENCY,
  heartbeatMs: env.NETAUTO_HEARTBEAT_MS,
  lostAfterMs: env.NETAUTO_WORKER_LOST_MS,
  quota: { global: env.NETAUTO_QUOTA_GLOBAL, perSite: env.NETAUTO_QUOTA_SITE },
});
console.log(
  `netauto-worker ${process.pid}: taking runs, ${env.NETAUTO_WORKER_CONCURRENCY} at a time`,
);

let stopping = false;
async function stop(signal: string) {
  if (stopping) return;
  stopping = true;
  console.log(`netauto-worker ${process.pid}: ${signal}, finishing the runs in hand`);
  await workers.stop();
  await opened.close();
}
process.once('SIGINT', () => void stop('SIGINT'));
process.once('SIGTERM', () => void stop('SIGTERM'));
