import {
  createFetchHandler,
  createOpsHandler,
  createOutputStreamHandler,
  OUTPUT_STREAM_PATH,
  SERVER_SECTIONS,
  startNetAuto,
  TRPC_ENDPOINT,
  type Services,
} from '@netauto/api';
import { loadConfig } from '@netauto/config';
import type { Handle } from '@sveltejs/kit';
import { TRPCError } from '@trpc/server';
import { dev } from '$app/environment';
import { callerFor, clientAddress } from '$lib/server/api';
import { getRuntime } from '$lib/server/runtime';

const PUBLIC_PATHS = new Set(['/login']);

const SECURITY_HEADERS: Record<string, string> = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'same-origin',
  'permissions-policy': 'camera=(), microphone=(), geolocation=()',
  'cross-origin-opener-policy': 'same-origin',
};

function withSecurityHeaders(response: Response): Response {
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) {
    if (!response.headers.has(name)) response.headers.set(name, value);
  }
  if (!response.headers.has('content-security-policy')) {
    // Pages get SvelteKit's policy; everything else (the API, redirects) gets the strictest.
    response.headers.set(
      'content-security-policy',
      "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
    );
  }
  return response;
}

/** A call made with the session cookie must come from this site (tokens are not cookies). */
function crossSite(request: Request, url: URL): boolean {
  if (request.method === 'GET' || request.method === 'HEAD') return false;
  if (request.headers.get('authorization')?.toLowerCase().startsWith('bearer ')) return false;
  const origin = request.headers.get('origin');
  if (origin !== null) return origin !== url.origin;
  const site = request.headers.get('sec-fetch-site');
  return site !== null && site !== 'same-origin' && site !== 'none';
}

// /healthz, /readyz and /metrics, one handler per running NetAuto.
const opsHandlers = new WeakMap<Services, ReturnType<typeof createOpsHandler>>();
function opsHandler(services: Services) {
  let handler = opsHandlers.get(services);
  if (!handler) {
    handler = createOpsHandler(services);
    opsHandlers.set(services, handler);
  }
  return handler;
}

export const handle: Handle = async ({ event, resolve }) => {
  // Under `vite dev` nothing has started NetAuto: this is then the entry point that reads
  // the environment.
  const runtime = await getRuntime(
    dev ? () => startNetAuto({ config: loadConfig(process.env, SERVER_SECTIONS) }) : undefined,
  );
  const { services } = runtime;
  const { url, request } = event;

  const ops = await opsHandler(services)(request);
  if (ops) return withSecurityHeaders(ops);

  // A run's output as a byte stream (GET only: nothing to refuse cross-site).
  if (OUTPUT_STREAM_PATH.test(url.pathname)) {
    const stream = await createOutputStreamHandler(services, {
      clientIp: () => clientAddress(event),
    })(request);
    if (stream) return withSecurityHeaders(stream);
  }

  if (url.pathname === TRPC_ENDPOINT || url.pathname.startsWith(`${TRPC_ENDPOINT}/`)) {
    if (crossSite(request, url)) {
      return withSecurityHeaders(
        new Response(JSON.stringify({ error: { message: 'cross-site request refused' } }), {
          status: 403,
          headers: { 'content-type': 'application/json' },
        }),
      );
    }
    const handleApi = createFetchHandler(services, { clientIp: () => clientAddress(event) });
    return withSecurityHeaders(await handleApi(request));
  }

  let called: Awaited<ReturnType<typeof callerFor>>;
  try {
    called = await callerFor(services, event);
  } catch (error) {
    // Who is asking cannot be known while the database is unreachable: say so plainly.
    if (error instanceof TRPCError && error.code === 'SERVICE_UNAVAILABLE') {
      return withSecurityHeaders(
        new Response(`NetAuto: ${error.message}.\n`, {
          status: 503,
          headers: { 'content-type': 'text/plain; charset=utf-8', 'retry-after': '5' },
        }),
      );
    }
    throw error;
  }
  const { api, context } = called;
  event.locals.api = api;
  event.locals.identity = context.identity;

  if (!context.identity && !PUBLIC_PATHS.has(url.pathname)) {
    const next =
      url.pathname === '/' ? '' : `?next=${encodeURIComponent(url.pathname + url.search)}`;
    return withSecurityHeaders(
      new Response(null, { status: 303, headers: { location: `/login${next}` } }),
    );
  }
  return withSecurityHeaders(await resolve(event));
};
