#!/usr/bin/env node
// Serves the API alone on HOST:PORT (default 127.0.0.1:3001): migrates first, creates
// the first admin when there is none, and runs queue workers in-process unless
// NETAUTO_WORKERS=0. The web app (apps/web) serves the same API with the UI.
import { listenPort, loadConfig } from '@netauto/config';
import { createLogger, logUnhandledRejections } from '@netauto/observability';
import { SERVER_SECTIONS, startNetAuto } from '../boot.js';
import { createApiServer } from '../http.js';

// A database outage must not end the process (see logUnhandledRejections).
logUnhandledRejections(createLogger({ base: { component: 'api' } }));
// The one place this process reads its environment; what follows gets these settings.
const config = loadConfig(process.env, SERVER_SECTIONS);
const runtime = await startNetAuto({ config });
const server = createApiServer(runtime.services);
const { HOST } = config.server;
const PORT = listenPort(config, 'api');
server.listen(PORT, HOST, () => {
  console.log(`NetAuto API on http://${HOST}:${PORT}/api/trpc`);
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
