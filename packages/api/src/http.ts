import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import { createHTTPHandler } from '@trpc/server/adapters/standalone';
import { createContext, type RequestInfo } from './context.js';
import { appRouter } from './root.js';
import type { Services } from './services.js';

export const TRPC_ENDPOINT = '/api/trpc';

function onError({
  error,
  path,
}: {
  error: { code: string; cause?: unknown };
  path?: string | undefined;
}) {
  if (error.code === 'INTERNAL_SERVER_ERROR') {
    // The message and stack only: a driver error also carries the statement's bound
    // values, which may be hashes.
    const cause = error.cause ?? error;
    console.error(
      `internal error in ${path ?? '?'}:`,
      cause instanceof Error ? (cause.stack ?? cause.message) : 'unknown error',
    );
  }
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
      onError,
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

/**
 * A plain Node HTTP server serving the API at /api/trpc (and /healthz), for tests
 * and for running the API alone.
 */
export function createApiServer(services: Services): Server {
  const handler = createHTTPHandler({
    router: appRouter,
    basePath: `${TRPC_ENDPOINT}/`,
    allowBatching: true,
    onError,
    createContext: ({ req, res }) => createContext(services, nodeRequestInfo(req, res)),
  });
  return createServer((req, res) => {
    const url = req.url ?? '/';
    if (url === '/healthz') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      return;
    }
    if (!url.startsWith(`${TRPC_ENDPOINT}/`)) {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
      return;
    }
    handler(req, res);
  });
}
