import { opsHandler } from '@netauto/observability';
import type { Services } from './services.js';

export interface OpsOptions {
  /** When set, /metrics asks for `Authorization: Bearer <token>` (default: NETAUTO_METRICS_TOKEN of the services' configuration). */
  metricsToken?: string | undefined;
}

/**
 * The operational endpoints, for any host that speaks Request/Response: `/healthz` (the
 * process answers), `/readyz` (the database answers and its migrations are current) and
 * `/metrics` (Prometheus text). Resolves undefined for any other path, so that a host
 * can fall through to its own routes.
 */
export function createOpsHandler(services: Services, options: OpsOptions = {}) {
  return opsHandler({
    db: services.db,
    logger: services.logger,
    metricsToken:
      'metricsToken' in options
        ? options.metricsToken
        : services.config.observability.NETAUTO_METRICS_TOKEN,
  });
}
