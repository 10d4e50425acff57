#!/usr/bin/env node
// Serves the API alone on HOST:PORT (default 127.0.0.1:3001): migrates first, creates
// the first admin when there is none, and runs queue workers in-process unless
// NETAUTO_WORKERS=0. The web app (apps/web) serves the same API with the UI.
import { createLogger, logUnhandledRejections } from '@netauto/observability';
import { startNetAuto } from '../boot.js';
import { createApiServer } from '../http.js';

// A database outage must not end the process (see logUnhandledRejections).
logUnhandledRejections(createLogger({ base: { component: 'api' } }));
const runtime = await startNetAuto();
const { env } = runtime;
const server = createApiServer(runtime.services);
server.listen(env.PORT, env.HOST, () => {
  console.log(`NetAuto API on http://${env.HOST}:${env.PORT}/api/trpc`);
});

async function stop() {
  const closed = new Promise((resolve) => server.close(resolve));
  // Live subscriptions end here; their clients resume from their last event, on another
  // process or on this one restarted. Requests in flight get a moment to finish.
  server.closeIdleConnections();
  setTimeout(() => {
    server.closeAllConnections();
  }, 1000).unref();
  await closed;
  await runtime.stop();
}
process.once('SIGINT', () => void stop());
process.once('SIGTERM', () => void stop());
