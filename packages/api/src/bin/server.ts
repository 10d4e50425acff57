#!/usr/bin/env node
// Serves the API alone on HOST:PORT (default 127.0.0.1:3001): migrates first, creates
// the first admin when there is none, and runs queue workers in-process unless
// NETAUTO_WORKERS=0. `pnpm start` runs this until the web UI serves everything.
import { openDatabase } from '@netauto/db';
import { startWorkersFromEnv } from '@netauto/runner';
import { authSettingsFrom, readApiEnv } from '../env.js';
import { createApiServer } from '../http.js';
import { createServices } from '../services.js';

const env = readApiEnv();
const opened = await openDatabase();
await opened.db.migrate();
const services = createServices(opened.db, authSettingsFrom(env));
const admin = await services.users.ensureFirstAdmin(
  env.NETAUTO_ADMIN_EMAIL,
  env.NETAUTO_ADMIN_PASSWORD,
);
if (admin) {
  console.log(`first admin: ${admin.user.email}`);
  if (admin.generated) console.log(`password (shown once, change it): ${admin.password}`);
}
const workers = env.NETAUTO_WORKERS === '1' ? await startWorkersFromEnv(opened.db) : undefined;
const server = createApiServer(services);
server.listen(env.PORT, env.HOST, () => {
  console.log(`NetAuto API on http://${env.HOST}:${env.PORT}/api/trpc`);
});

async function stop() {
  server.close();
  await workers?.stop();
  await services.hub.stop();
  await opened.close();
}
process.once('SIGINT', () => void stop());
process.once('SIGTERM', () => void stop());
