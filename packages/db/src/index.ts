export { Database, connectDatabase, type ConnectOptions } from './connection.js';
export {
  startEmbeddedPostgres,
  startTemporaryPostgres,
  freePort,
  type EmbeddedOptions,
  type RunningPostgres,
} from './embedded.js';
export { openDatabase, type OpenedDatabase } from './open.js';
export {
  DomainError,
  NotFoundError,
  ConflictError,
  InvalidStateError,
  ValidationError,
  ForbiddenError,
} from './errors.js';
export { DATABASE_UNAVAILABLE_MESSAGE, isDatabaseUnavailable } from './unavailable.js';
export { type Executor, failedWithoutEffect, observeStatements, translateError } from './sql.js';
export { repositories, withTransaction, type Repositories } from './repositories.js';
export { DevicesRepo } from './inventory/devices.repo.js';
export { GroupsRepo } from './inventory/groups.repo.js';
export { TemplatesRepo } from './automation/templates.repo.js';
export { RunsRepo, type RunOutcome, type RunPreload } from './automation/runs.repo.js';
export { ChunksRepo, storedText } from './automation/chunks.repo.js';
export {
  UsersRepo,
  type UserWithSecret,
  type UserCreateRecord,
  type UserPatchRecord,
  type UserFilter,
} from './auth/users.repo.js';
export {
  SessionsRepo,
  TOUCH_INTERVAL_MS,
  type Session,
  type ValidSession,
  type SessionCreateRecord,
} from './auth/sessions.repo.js';
export {
  ApiTokensRepo,
  type ApiTokenCreateRecord,
  type ApiTokenFilter,
  type ValidApiToken,
} from './auth/api-tokens.repo.js';
export {
  AuditRepo,
  auditActionsFor,
  redactSummary,
  MAX_SUMMARY_CHARS,
  type AuditReader,
  type AuditRecord,
} from './auth/audit.repo.js';
export {
  LoginFailuresRepo,
  type FailureHistory,
  type LoginFacts,
  type LoginFactsQuery,
} from './auth/login-failures.repo.js';
export { MIGRATIONS } from './migrations/index.js';
export * as models from './models/index.js';
export { KnownHostsRepo, type PinnedKey, type SeenKey } from './access/known-hosts.repo.js';
export { CredentialsRepo, type StoredCredential } from './access/credentials.repo.js';
export { migrateQueue, queueLogger, QUEUE_SCHEMA } from './queue-schema.js';
export { QueueRepo, RUN_TASK, OUTPUT_CHANNEL, CANCEL_CHANNEL } from './automation/queue.repo.js';
export {
  BulksRepo,
  BULK_PROGRESS_CHANNEL,
  PROGRESS_START,
  type ProgressCursor,
  type ProgressRow,
} from './automation/bulks.repo.js';
export {
  RetentionRepo,
  type PurgeBatch,
  type PurgeCandidate,
} from './automation/retention.repo.js';
