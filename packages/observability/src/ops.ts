import { timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { Database } from '@netauto/db';
import type { Logger } from 'pino';
import { METRICS_CONTENT_TYPE, metricsText } from './metrics.js';

export interface OpsOptions {
  db: Database;
  logger: Logger;
  /** When set, /metrics asks for `Authorization: Bearer <token>`. */
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
export function opsHandler({ db, logger, metricsToken }: OpsOptions) {
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

/**
 * Serves only the operational endpoints on `port` (a worker process's own counters
 * can be scraped this way), on 127.0.0.1 unless `host` says otherwise. No request can
 * stop the process: a bad one gets 400, a failure 500. Resolves once listening.
 */
export async function startOpsServer(
  options: OpsOptions & { port: number; host?: string },
): Promise<Server> {
  const handle = opsHandler(options);
  const server = createServer((req, res) => {
    const answer = async (): Promise<Response> => {
      let url: URL;
      try {
        url = new URL(req.url ?? '/', 'http://localhost');
      } catch {
        return json(400, { error: 'bad request target' });
      }
      const request = new Request(url, {
        method: req.method ?? 'GET',
        headers: Object.entries(req.headers).flatMap(([k, v]) =>
          v === undefined ? [] : [[k, Array.isArray(v) ? v.join(', ') : v] as [string, string]],
        ),
      });
      return (await handle(request)) ?? json(404, { error: 'not found' });
    };
    answer()
      .catch((error: unknown) => {
        options.logger.error({ err: error }, 'operational endpoint failed');
        return json(500, { error: 'internal error' });
      })
      .then(async (response) => {
        res.writeHead(response.status, Object.fromEntries(response.headers));
        res.end(req.method === 'HEAD' ? undefined : Buffer.from(await response.arrayBuffer()));
      })
      .catch(() => {
        res.destroy();
      });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server;
}
