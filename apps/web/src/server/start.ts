#!/usr/bin/env node
// The production process: starts NetAuto (database, migrations, first admin, workers),
// optionally the demo fleet, then serves the SvelteKit app, whose hooks mount the API at
// /api/trpc. Ctrl-C (SIGINT) or SIGTERM stops everything; a second one exits at once.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { SERVER_SECTIONS, startNetAuto } from '@netauto/api';
import { listenPort, loadConfig, withCredentials } from '@netauto/config';
import { createLogger, logUnhandledRejections } from '@netauto/observability';
import { setRuntime } from '../lib/server/runtime.js';
import { DEMO_CREDENTIALS } from './demo-credentials.js';
import { startDemo, type Demo } from './demo.js';

type NodeHandler = (req: IncomingMessage, res: ServerResponse, next: () => void) => void;

const log = (line: string) => {
  console.log(line);
};

// The one place this process reads its environment; what follows gets these settings.
const loaded = loadConfig(process.env, [...SERVER_SECTIONS, 'demo']);
const env = loaded.server;
// A database outage must not end the process: the known cases are handled where they
// happen, and this logs any other promise that fails with nobody waiting for it.
logUnhandledRejections(createLogger({ base: { component: 'web' } }));
const demoWanted = process.argv.includes('--demo') || loaded.demo.NETAUTO_DEMO === '1';
// The demo gives the runner its fleet's credential, keeping one the environment sets.
const config = demoWanted ? withCredentials(loaded, DEMO_CREDENTIALS) : loaded;

const runtime = await startNetAuto({ config, log });
setRuntime(runtime);
let demo: Demo | undefined;
try {
  if (demoWanted) demo = await startDemo(runtime, config.demo.NETAUTO_DEMO_DEVICES, log);
} catch (error) {
  await runtime.stop();
  throw error;
}

// SvelteKit's node handler reads its own settings from the environment: hand it ours.
process.env.BODY_SIZE_LIMIT = env.BODY_SIZE_LIMIT;
// Without ORIGIN, SvelteKit's node handler takes the protocol from a header it is told
// to trust, else assumes https (and then refuses this plain-http server's own forms as
// cross-site). This server speaks plain HTTP: say so in a header of its own, set here
// only (a client's copy is dropped).
const PROTOCOL_HEADER = 'x-netauto-protocol';
if (!env.ORIGIN) process.env.PROTOCOL_HEADER = env.PROTOCOL_HEADER ?? PROTOCOL_HEADER;
const PORT = listenPort(config, 'web');
// Built by `vite build` next to this file's folder: build/handler.js.
const handlerUrl = pathToFileURL(path.resolve(import.meta.dirname, '../../build/handler.js'));
const { handler } = (await import(handlerUrl.href)) as { handler: NodeHandler };

const server = createServer((req, res) => {
  if (!env.ORIGIN) req.headers[PROTOCOL_HEADER] = 'http';
  handler(req, res, () => {
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
  });
});
server.listen(PORT, env.HOST, () => {
  const host = env.HOST === '127.0.0.1' || env.HOST === '0.0.0.0' ? 'localhost' : env.HOST;
  log(`NetAuto on http://${host}:${PORT}`);
});

let stopping = false;
async function stop(signal: string) {
  if (stopping) {
    log(`${signal} again: exiting now`);
    process.exit(1);
  }
  stopping = true;
  log('stopping…');
  const closed = new Promise((resolve) => server.close(resolve));
  // Live output streams would hold the server open: end them.
  server.closeAllConnections();
  await closed;
  await demo?.stop();
  await runtime.stop();
  log('stopped');
}
process.on('SIGINT', () => void stop('SIGINT'));
process.on('SIGTERM', () => void stop('SIGTERM'));
