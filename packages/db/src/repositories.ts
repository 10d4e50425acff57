import type { Transaction } from 'sequelize';
import { CredentialsRepo } from './access/credentials.repo.js';
import { KnownHostsRepo } from './access/known-hosts.repo.js';
import { ApiTokensRepo } from './auth/api-tokens.repo.js';
import { AuditRepo } from './auth/audit.repo.js';
import { LoginFailuresRepo } from './auth/login-failures.repo.js';
import { SessionsRepo } from './auth/sessions.repo.js';
import { UsersRepo } from './auth/users.repo.js';
import { BulksRepo } from './automation/bulks.repo.js';
import { ChunksRepo } from './automation/chunks.repo.js';
import { QueueRepo } from './automation/queue.repo.js';
import { RetentionRepo } from './automation/retention.repo.js';
import { RunsRepo } from './automation/runs.repo.js';
import { TemplatesRepo } from './automation/templates.repo.js';
import type { Database } from './connection.js';
import { DevicesRepo } from './inventory/devices.repo.js';
import { GroupsRepo } from './inventory/groups.repo.js';

export interface Repositories {
  devices: DevicesRepo;
  groups: GroupsRepo;
  templates: TemplatesRepo;
  runs: RunsRepo;
  chunks: ChunksRepo;
  users: UsersRepo;
  sessions: SessionsRepo;
  apiTokens: ApiTokensRepo;
  audit: AuditRepo;
  loginFailures: LoginFailuresRepo;
  knownHosts: KnownHostsRepo;
  credentials: CredentialsRepo;
  queue: QueueRepo;
  bulks: BulksRepo;
  retention: RetentionRepo;
}

/** Repositories on the pool, or bound to one transaction when it is given. */
export function repositories(db: Database, transaction?: Transaction): Repositories {
  const ex = { sequelize: db.sequelize, transaction };
  return {
    devices: new DevicesRepo(ex),
    groups: new GroupsRepo(ex),
    templates: new TemplatesRepo(ex),
    runs: new RunsRepo(ex),
    chunks: new ChunksRepo(ex),
    users: new UsersRepo(ex),
    sessions: new SessionsRepo(ex),
    apiTokens: new ApiTokensRepo(ex),
    audit: new AuditRepo(ex),
    loginFailures: new LoginFailuresRepo(ex),
    knownHosts: new KnownHostsRepo(ex),
    credentials: new CredentialsRepo(ex),
    queue: new QueueRepo(ex),
    bulks: new BulksRepo(ex),
    retention: new RetentionRepo(ex),
  };
}

/** Runs `fn` with repositories sharing one transaction: all of it lands, or none. */
export function withTransaction<T>(
  db: Database,
  fn: (repos: Repositories) => Promise<T>,
): Promise<T> {
  return db.transaction((transaction) => fn(repositories(db, transaction)));
}
