import { z } from 'zod';
import { flag, integer, LogLevel, postgresUrl, section, variable } from './define.js';

// One section per concern. Every variable NetAuto reads is defined here, once; the
// README's table of variables is generated from these sections (`pnpm --filter
// @netauto/config docs`).

export const database = section({
  title: 'Database',
  readBy: ['web', 'api', 'worker', 'db'],
  variables: {
    DATABASE_URL: variable(
      postgresUrl().optional(),
      'The PostgreSQL server (postgres://user:password@host:port/database). Unset: an embedded PostgreSQL whose data lives in `NETAUTO_DATA_DIR`.',
      { shownDefault: 'embedded' },
    ),
    NETAUTO_DATA_DIR: variable(
      z.string().min(1).default('.netauto'),
      'Where the embedded PostgreSQL keeps its data (in `pg/` below it) when `DATABASE_URL` is not set.',
    ),
    NETAUTO_DB_POOL_MAX: variable(
      integer(1, 200).default(10),
      'Connections to PostgreSQL per process.',
    ),
    NETAUTO_TEST_DATABASE_URL: variable(
      postgresUrl().optional(),
      'An admin URL of a PostgreSQL server for the tests to use instead of a throwaway embedded one.',
      { readBy: ['tests'] },
    ),
  },
});

export const deviceAccess = section({
  title: 'Device access',
  readBy: ['web', 'api', 'worker'],
  variables: {
    NETAUTO_SECRET_KEY: variable(
      z.string().optional(),
      'The key of the `db:` credential store: 32 bytes as base64 or hex (`openssl rand -base64 32`). Unset: the store is off.',
    ),
    NETAUTO_ENABLE_TELNET: variable(
      flag(),
      'Telnet devices may be reached only when this is `1`.',
      {
        shownDefault: '`0`',
      },
    ),
    NETAUTO_HOST_KEYS: variable(
      z.enum(['tofu', 'strict']).default('tofu'),
      '`tofu` trusts a host key on first use; `strict` refuses keys not already known.',
    ),
    NETAUTO_CONNECT_TIMEOUT_MS: variable(
      integer(100, 600_000).default(10_000),
      'How long a connection to a device may take, in milliseconds.',
    ),
    NETAUTO_COMMAND_TIMEOUT_MS: variable(
      integer(100, 86_400_000).default(60_000),
      'How long a command may run, in milliseconds (a template may set its own).',
    ),
    NETAUTO_OUTPUT_MAX_BYTES: variable(
      integer(1024, 2 ** 40).default(64 * 1024 * 1024),
      'Output a run may produce; past it the run ends as `output_limit`.',
      { shownDefault: '`67108864` (64 MiB)' },
    ),
  },
});

export const worker = section({
  title: 'Queue workers and retention',
  readBy: ['web', 'api', 'worker'],
  variables: {
    NETAUTO_WORKERS: variable(
      z.enum(['0', '1']).default('1'),
      '`0`: the server runs no queue workers of its own and leaves runs to `netauto-worker` processes.',
      { readBy: ['web', 'api'] },
    ),
    NETAUTO_WORKER_CONCURRENCY: variable(
      integer(1, 1000).default(50),
      'Runs at once in one worker process.',
    ),
    NETAUTO_QUOTA_GLOBAL: variable(
      integer(1, 100_000).default(50),
      'Runs at once in all, across every process; runs over quota wait in the queue.',
    ),
    NETAUTO_QUOTA_SITE: variable(
      integer(1, 100_000).default(5),
      'Runs at once per site (devices without a site share "default"), across every process.',
    ),
    NETAUTO_HEARTBEAT_MS: variable(
      integer(50, 600_000).default(5000),
      'How often a worker says its runs are alive, in milliseconds.',
    ),
    NETAUTO_WORKER_LOST_MS: variable(
      integer(200, 3_600_000).default(30_000),
      'A run whose worker is silent this long (it died) is queued once more if it printed nothing, else ends as `worker_lost`.',
    ),
    NETAUTO_OUTAGE_OUTPUT_MAX_BYTES: variable(
      integer(1024, 2 ** 34).default(16 * 1024 * 1024),
      'Output a run holds in memory while the database is unreachable; past it the run ends as `output_limit`.',
      { shownDefault: '`16777216` (16 MiB)' },
    ),
    NETAUTO_RUN_MAX_DAYS: variable(
      integer(1, 36_500).default(30),
      'Runs are kept this many days, then the daily retention purge deletes them.',
    ),
    NETAUTO_RUN_MAX_BYTES: variable(
      integer(1024, 2 ** 50).default(2 ** 30),
      'Output kept per device; its oldest finished runs beyond this are purged.',
      { shownDefault: '`1073741824` (1 GiB)' },
    ),
    NETAUTO_RETENTION_CRON: variable(
      z
        .string()
        .regex(/^\S+ \S+ \S+ \S+ \S+$/, 'must be a cron schedule of five fields')
        .default('15 3 * * *'),
      'When the retention purge runs (cron, five fields, UTC).',
    ),
  },
});

export const observability = section({
  title: 'Logs and metrics',
  readBy: ['web', 'api', 'worker'],
  variables: {
    NETAUTO_LOG_LEVEL: variable(
      LogLevel.default('info'),
      'JSON log level: trace, debug, info, warn, error, fatal or silent (`debug` adds a line per API call).',
    ),
    NETAUTO_METRICS_TOKEN: variable(
      z.string().min(16).optional(),
      'When set (16+ characters), `/metrics` asks for `Authorization: Bearer <token>`.',
    ),
    NETAUTO_METRICS_PORT: variable(
      integer(1, 65_535).optional(),
      'A port on which a `netauto-worker` serves `/healthz`, `/readyz` and `/metrics`; none when unset.',
      { readBy: ['worker'] },
    ),
    NETAUTO_METRICS_HOST: variable(
      z.string().min(1).default('127.0.0.1'),
      'The address that port listens on (`0.0.0.0` for a scraper on another host).',
      { readBy: ['worker'] },
    ),
  },
});

export const api = section({
  title: 'Sign-in, sessions and the first admin',
  readBy: ['web', 'api'],
  variables: {
    NETAUTO_SESSION_IDLE_MINUTES: variable(
      integer(1, 43_200).default(720),
      'A session ends after this many minutes without use.',
    ),
    NETAUTO_SESSION_MAX_HOURS: variable(
      integer(1, 8760).default(168),
      'A session ends this many hours after sign-in, used or not.',
    ),
    NETAUTO_LOGIN_MAX_FAILURES: variable(
      integer(1, 1000).default(5),
      'Failed sign-ins allowed for one e-mail from one client address in the window.',
    ),
    NETAUTO_LOGIN_WINDOW_MINUTES: variable(
      integer(1, 1440).default(15),
      'The window of the sign-in limits, in minutes.',
    ),
    NETAUTO_LOGIN_ADDRESS_MAX_FAILURES: variable(
      integer(1, 10_000).default(50),
      'Failed sign-ins allowed from one client address, whatever the e-mails, in the window.',
    ),
    NETAUTO_LOGIN_ACCOUNT_SLOW_AFTER: variable(
      integer(1, 10_000).default(20),
      'Failed sign-ins for one e-mail from anywhere in 24 hours after which each try must wait.',
    ),
    NETAUTO_ADMIN_EMAIL: variable(
      z.string().default('admin@netauto.local'),
      'The first admin, created at start when there is none.',
    ),
    NETAUTO_ADMIN_PASSWORD: variable(
      z.string().min(10).optional(),
      "The first admin's password (10+ characters); unset: one is generated and printed once. Also `admin:create`'s default.",
      { shownDefault: 'generated' },
    ),
  },
});

/** The port each server listens on when PORT is not set: both defaults, in one place. */
export const DEFAULT_PORT = { web: 3000, api: 3001 } as const;

export const server = section({
  title: 'HTTP servers',
  readBy: ['web', 'api'],
  variables: {
    PORT: variable(
      integer(0, 65_535).optional(),
      'The port to listen on: the web server defaults to 3000, the API server alone (`pnpm --filter @netauto/api serve`) to 3001.',
      { shownDefault: `\`${DEFAULT_PORT.web}\` (web), \`${DEFAULT_PORT.api}\` (API alone)` },
    ),
    HOST: variable(z.string().default('127.0.0.1'), 'The address to listen on.'),
    ORIGIN: variable(
      z.url().optional(),
      'The public origin (https://netauto.example.net) behind a proxy; https makes cookies Secure.',
    ),
    ADDRESS_HEADER: variable(
      z.string().min(1).optional(),
      "Behind a proxy, the header that carries the client's address (`x-forwarded-for`), so that sign-in throttling counts each client.",
      { readBy: ['web'] },
    ),
    XFF_DEPTH: variable(
      integer(1, 100).optional(),
      'With `ADDRESS_HEADER=x-forwarded-for`: the number of proxies in front of the server.',
      { readBy: ['web'], shownDefault: '`1`' },
    ),
    PROTOCOL_HEADER: variable(
      z.string().min(1).optional(),
      'Behind a proxy without `ORIGIN`, the header that carries the protocol (`x-forwarded-proto`); unset, the server says plain http itself.',
      { readBy: ['web'] },
    ),
    BODY_SIZE_LIMIT: variable(
      z
        .string()
        .regex(/^(\d+(\.\d+)?[KMGkmg]?|Infinity)$/, 'must be bytes, with K, M or G, or Infinity')
        .default('64M'),
      'The largest request body (a large inventory import): bytes, or with K, M or G.',
      { readBy: ['web'] },
    ),
  },
});

export const demo = section({
  title: 'Demo',
  readBy: ['web'],
  variables: {
    NETAUTO_DEMO: variable(
      z.enum(['0', '1']).default('0'),
      '`1`: also start simulated devices and fill the inventory with them (as `pnpm start --demo`).',
    ),
    NETAUTO_DEMO_DEVICES: variable(integer(1, 500).default(20), 'Devices in the demo fleet.'),
  },
});

export const cli = section({
  title: 'The netauto CLI',
  readBy: ['cli'],
  emptyIsUnset: true,
  variables: {
    NETAUTO_URL: variable(
      z.string().min(1).optional(),
      'The server, when `--url` is not given (before the config file).',
    ),
    NETAUTO_TOKEN: variable(
      z.string().min(1).optional(),
      'An API token, when `--token` is not given (before the config file).',
    ),
    XDG_CONFIG_HOME: variable(
      z.string().min(1).optional(),
      'The config file lives in `$XDG_CONFIG_HOME/netauto`, else in `~/.config/netauto`.',
      { shownDefault: '`~/.config`' },
    ),
    HOME: variable(z.string().min(1).optional(), 'Where `~` is.'),
    NO_COLOR: variable(
      z.string().optional(),
      'Any value turns colours off (https://no-color.org).',
    ),
    FORCE_COLOR: variable(
      z.string().optional(),
      'Any value but 0 turns colours on even when not on a terminal.',
    ),
    SHELL: variable(
      z.string().optional(),
      'The shell, for `netauto completion` without an argument.',
    ),
  },
});
