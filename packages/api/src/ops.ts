import { timingSafeEqual } from 'node:crypto';
import { METRICS_CONTENT_TYPE, metricsText } from '@netauto/runner';
import { readApiEnv } from './env.js';
import type { Services } from './services.js';

export interface OpsOptions {
  /** When set, /metrics asks for `Authorization: Bearer <token>` (default NETAUTO_METRICS_TOKEN). */
  metricsToken?: string | undefined;
}

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
  });

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * The operational endpoints, for any host that speaks Request/Response: `/healthz` (the
 * process answers), `/readyz` (the database answers and its migrations are current) and
 * `/metrics` (Prometheus text). Resolves undefined for any other path, so that a host
 * can fall through to its own routes.
 */
export function createOpsHandler(services: Services, options: OpsOptions = {}) {
  const { db, logger } = services;
  const metricsToken =
    'metricsToken' in options ? options.metricsToken : readApiEnv().NETAUTO_METRICS_TOKEN;
  return async (req: Request): Promise<Response | undefined> => {
    const { pathname } = new URL(req.url, 'http://localhost');
    if (pathname !== '/healthz' && pathname !== '/readyz' && pathname !== '/metrics') {
      return undefined;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return json(405, { error: 'method not allowed' });
    }
    switch (pathname) {
      case '/healthz':
        return json(200, { ok: true });
      case '/readyz': {
        try {
          await db.ping();
          const { pending } = await db.migrationStatus();
          if (pending.length > 0) {
            return json(503, { ok: false, reason: 'migrations pending', pending });
          }
          return json(200, { ok: true });
        } catch (error) {
          logger.warn({ err: error }, 'readiness check failed');
          return json(503, { ok: false, reason: 'database unavailable' });
        }
      }
      case '/metrics': {
        if (metricsToken !== undefined) {
          const header = req.headers.get('authorization') ?? '';
          const given = header.toLowerCase().startsWith('bearer ') ? header.slice(7).trim() : '';
          if (!sameSecret(given, metricsToken)) {
            return json(401, { error: 'a bearer token is needed for /metrics' });
          }
        }
        try {
          return new Response(await metricsText(db), {
            status: 200,
            headers: { 'content-type': METRICS_CONTENT_TYPE, 'cache-control': 'no-store' },
          });
        } catch (error) {
          logger.error({ err: error }, 'metrics collection failed');
          return json(503, { error: 'metrics unavailable' });
        }
      }
    }
  };
}
