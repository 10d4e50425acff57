import type { Database } from '@netauto/db';
import {
  BulkProgressHub,
  Listener,
  createLogger,
  OutputHub,
  readRunnerEnv,
  retentionFromEnv,
  Secrets,
  type Logger,
  type RunnerEnv,
} from '@netauto/runner';
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
import { readApiEnv, type AuthSettings } from './env.js';
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

export interface ServiceOptions {
  /** JSON logs (default: stdout at NETAUTO_LOG_LEVEL). */
  logger?: Logger;
  /** What the retention purge keeps (default from NETAUTO_RUN_MAX_DAYS and NETAUTO_RUN_MAX_BYTES). */
  retention?: RetentionLimits;
  /** Where `env:` credentials are defined, for the admin's view of them (default: this process). */
  credentialEnv?: NodeJS.ProcessEnv;
}

export interface Services {
  db: Database;
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
  settings: AuthSettings,
  options: ServiceOptions = {},
): Services {
  const hub = new Hubs(db.url);
  const logger =
    options.logger ??
    createLogger({ level: readApiEnv().NETAUTO_LOG_LEVEL, base: { component: 'api' } });
  const { maxDays, maxBytes } = options.retention ?? retentionFromEnv();
  // One set of repositories for every service, and the database's transactions.
  const store = databaseStore(db);
  return {
    hub,
    db,
    logger,
    auth: new AuthService(store, settings),
    accessWatch: new AccessWatch(store, logger),
    users: new UsersService(store),
    devices: new DevicesService(store),
    groups: new GroupsService(store),
    templates: new TemplatesService(store),
    runs: new RunsService(store, hub),
    bulks: new BulksService(store, hub.bulks, logger),
    retention: new RetentionService(store, { maxDays, maxBytes }),
    audit: new AuditService(store),
    access: accessService(db, store, readRunnerEnv(), options.credentialEnv),
  };
}

/**
 * The admin's view of device access, with the credential store of this database (`env`:
 * the runner's settings; `credentialEnv`: where `env:` credentials are defined, by
 * default this process's environment).
 */
function accessService(
  db: Database,
  store: Store,
  env: RunnerEnv,
  credentialEnv: NodeJS.ProcessEnv | undefined,
): AccessService {
  const secrets = new Secrets(db, {
    secretKey: env.NETAUTO_SECRET_KEY,
    ...(credentialEnv && { env: credentialEnv }),
  });
  return new AccessService(store, secrets, env);
}
