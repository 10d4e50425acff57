#!/usr/bin/env node
// netauto-worker: runs queued runs, alone, for scale-out. Any number of these (and of
// web processes running workers in-process) share one PostgreSQL. Stops cleanly on
// SIGINT and SIGTERM: runs in hand finish, no new ones are taken.
import { openDatabase } from '@netauto/db';
import { readRunnerEnv } from '../env.js';
import { startWorkersFromEnv } from '../executor/from-env.js';

const env = readRunnerEnv();
const opened = await openDatabase({ applicationName: 'netauto-worker' });
await opened.db.migrate();
const workers = await startWorkersFromEnv(opened.db);
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
