import type { Config } from '@netauto/config';
import type { Database } from '@netauto/db';
import { Secrets } from '@netauto/device-access';
import { createLogger, type Logger } from '@netauto/observability';
import { BulkProgressHub, Listener, OutputHub, retentionFromEnv } from '@netauto/worker';
import type { AuditEvent, AuditListInput, Page, RetentionLimits } from '@netauto/schema';
import { AccessService } from './admin/access.service.js';
import { RetentionService } from './admin/retention.service.js';
import { UsersService } from './admin/users.service.js';
import { AccessWatch } from './auth/access-watch.js';
import { AuthService } from './auth/auth.service.js';
import type { Identity } from './context.js';
import { BulksService } from './automation/bulks.service.js';
import { RunsService } from './automation/runs.service.js';
import { TemplatesService } from './automation/templates.service.js';
import { authSettingsFrom } from './env.js';
import { DevicesService } from './inventory/devices.service.js';
import { GroupsService } from './inventory/groups.service.js';
import { databaseStore, type Store, type Uses } from './store.js';

export class AuditService {
  constructor(private readonly store: Store<Uses<{ audit: 'list' }>>) {}
  /** The events the reader's role may read (see AUDIT_VISIBILITY), newest first. */
  list(reader: Identity, input: AuditListInput): Promise<Page<AuditEvent>> {
    return this.store.repos.audit.list(input, {
      role: reader.user.role,
      userId: reader.user.id,
    });
  }
}

/**
 * The live-notification listeners of a process: followers of runs (the output hub
 * itself) and of bulks. Stopping it stops both.
 */
/** Followers of runs and of bulks, on the process's one LISTEN connection. */
export class Hubs extends OutputHub {
  readonly bulks: BulkProgressHub;

  constructor(url: string) {
    super(new Listener(url));
    this.bulks = new BulkProgressHub(this.listener);
  }
}

/** What the services read of the configuration (every section but the database's, the demo's and the CLI's). */
export type ServerConfig = Pick<
  Config,
  'deviceAccess' | 'worker' | 'observability' | 'api' | 'server' | 'credentials'
>;

export interface ServiceOptions {
  /** JSON logs (default: stdout at NETAUTO_LOG_LEVEL). */
  logger?: Logger;
  /** What the retention purge keeps (default from NETAUTO_RUN_MAX_DAYS and NETAUTO_RUN_MAX_BYTES). */
  retention?: RetentionLimits;
}

export interface Services {
  db: Database;
  /** The configuration the services were built with. */
  config: ServerConfig;
  /** Wakes followers of runs and of bulks in this process; stop it when the process ends. */
  hub: Hubs;
  logger: Logger;
  auth: AuthService;
  /** Ends the streams of callers who lost their access (re-checked every second). */
  accessWatch: AccessWatch;
  users: UsersService;
  devices: DevicesService;
  groups: GroupsService;
  templates: TemplatesService;
  runs: RunsService;
  bulks: BulksService;
  retention: RetentionService;
  audit: AuditService;
  /** Credentials, host keys and the configured limits (admin). */
  access: AccessService;
}

export function createServices(
  db: Database,
  config: ServerConfig,
  options: ServiceOptions = {},
): Services {
  const hub = new Hubs(db.url);
  const logger =
    options.logger ??
    createLogger({ level: config.observability.NETAUTO_LOG_LEVEL, base: { component: 'api' } });
  const { maxDays, maxBytes } = options.retention ?? retentionFromEnv(config);
  // One set of repositories for every service, and the database's transactions.
  const store = databaseStore(db);
  return {
    hub,
    db,
    config,
    logger,
    auth: new AuthService(store, authSettingsFrom(config)),
    accessWatch: new AccessWatch(store, logger),
    users: new UsersService(store),
    devices: new DevicesService(store),
    groups: new GroupsService(store),
    templates: new TemplatesService(store),
    runs: new RunsService(store, hub),
    bulks: new BulksService(store, hub.bulks, logger),
    retention: new RetentionService(store, { maxDays, maxBytes }),
    audit: new AuditService(store),
    access: accessService(db, store, config),
  };
}

/**
 * The admin's view of device access, with the credential store of this database and the
 * `env:` credentials of the configuration.
 */
function accessService(db: Database, store: Store, config: ServerConfig): AccessService {
  const secrets = new Secrets(db, {
    secretKey: config.deviceAccess.NETAUTO_SECRET_KEY,
    env: config.credentials,
  });
  return new AccessService(store, secrets, config);
}
