import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import { createHTTPHandler } from '@trpc/server/adapters/standalone';
import { serveOutputStream } from './automation/output-stream.js';
import { createContext, type RequestInfo } from './context.js';
import { createOpsHandler, type OpsOptions } from './ops.js';
import { appRouter } from './root.js';
import type { Services } from './services.js';

export const TRPC_ENDPOINT = '/api/trpc';

function errorLogger(services: Services) {
  return ({
    error,
    path,
  }: {
    error: { code: string; cause?: unknown };
    path?: string | undefined;
  }) => {
    if (error.code === 'INTERNAL_SERVER_ERROR') {
      // The message and stack only: a driver error also carries the statement's bound
      // values, which may be hashes.
      const cause = error.cause ?? error;
      services.logger.error(
        {
          procedure: path ?? null,
          error: cause instanceof Error ? (cause.stack ?? cause.message) : 'unknown error',
        },
        'internal error',
      );
    }
  };
}

/**
 * A fetch handler for hosts that speak Request/Response (SvelteKit): queries,
 * batched calls, mutations and SSE subscriptions.
 */
export function createFetchHandler(
  services: Services,
  options: { endpoint?: string; clientIp?: (req: Request) => string | null } = {},
) {
  return (req: Request): Promise<Response> =>
    fetchRequestHandler({
      endpoint: options.endpoint ?? TRPC_ENDPOINT,
      req,
      router: appRouter,
      allowBatching: true,
      onError: errorLogger(services),
      createContext: ({ resHeaders }) => {
        const info: RequestInfo = {
          header: (name) => req.headers.get(name),
          clientIp: options.clientIp?.(req) ?? null,
          setCookie: (cookie) => {
            resHeaders.append('set-cookie', cookie);
          },
        };
        return createContext(services, info);
      },
    });
}

function nodeRequestInfo(req: IncomingMessage, res: ServerResponse): RequestInfo {
  return {
    header: (name) => {
      const value = req.headers[name.toLowerCase()];
      return Array.isArray(value) ? value.join(', ') : (value ?? null);
    },
    clientIp: req.socket.remoteAddress ?? null,
    setCookie: (cookie) => {
      res.appendHeader('set-cookie', cookie);
    },
  };
}

/** Answers a Node request with the ops handler; false when the path is not one of its. */
async function serveOps(
  ops: ReturnType<typeof createOpsHandler>,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<boolean> {
  const path = (req.url ?? '/').split('?')[0];
  if (path !== '/healthz' && path !== '/readyz' && path !== '/metrics') return false;
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (typeof value === 'string') headers.set(name, value);
  }
  const response = await ops(
    new Request(`http://localhost${path}`, { method: req.method ?? 'GET', headers }),
  );
  if (!response) return false;
  res.writeHead(response.status, Object.fromEntries(response.headers));
  res.end(req.method === 'HEAD' ? undefined : Buffer.from(await response.arrayBuffer()));
  return true;
}

/**
 * A plain Node HTTP server serving the API at /api/trpc, runs' output streams at
 * /api/runs/:id/output, and /healthz, /readyz and /metrics, for tests and for running
 * the API alone.
 */
export function createApiServer(services: Services, options: OpsOptions = {}): Server {
  const handler = createHTTPHandler({
    router: appRouter,
    basePath: `${TRPC_ENDPOINT}/`,
    allowBatching: true,
    onError: errorLogger(services),
    createContext: ({ req, res }) => createContext(services, nodeRequestInfo(req, res)),
  });
  const ops = createOpsHandler(services, options);
  return createServer((req, res) => {
    const url = req.url ?? '/';
    if (!url.startsWith(`${TRPC_ENDPOINT}/`)) {
      serveOutputStream(services, req, res, nodeRequestInfo(req, res))
        .then((served) => served || serveOps(ops, req, res))
        .then((served) => {
          if (!served) {
            res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
          }
        })
        .catch((error: unknown) => {
          services.logger.error({ err: error }, 'endpoint failed');
          if (!res.headersSent) res.writeHead(500).end();
        });
      return;
    }
    handler(req, res);
  });
}
