import type { Config, SectionName } from '@netauto/config';
import { isDatabaseUnavailable, openDatabase, type Database } from '@netauto/db';
import { startWorkersFromEnv, type Workers } from '@netauto/worker';
import type { User } from '@netauto/schema';
import { createServices, type ServerConfig, type Services } from './services.js';

/** A started NetAuto: the database, migrated, the services on it and, maybe, workers. */
/** The sections of the configuration a server loads: the services' and the database's. */
export const SERVER_SECTIONS = [
  'database',
  'deviceAccess',
  'worker',
  'observability',
  'api',
  'server',
] as const satisfies readonly SectionName[];

/** What a server reads of the configuration. */
export type RuntimeConfig = ServerConfig & Pick<Config, (typeof SERVER_SECTIONS)[number]>;

export interface NetAutoRuntime {
  /** The configuration the server was started with. */
  config: RuntimeConfig;
  db: Database;
  services: Services;
  /** The queue workers of this process; none when NETAUTO_WORKERS=0. */
  workers: Workers | undefined;
  /** The first admin, when this start created it. */
  firstAdmin: { user: User; generated: boolean } | undefined;
  /** Stops the workers, the output hub and the database (an embedded one too). Safe to call twice. */
  stop(): Promise<void>;
}

export interface StartOptions {
  /** The configuration its entry point loaded (loadConfig). */
  config: RuntimeConfig;
  /** Where the start says what it did (the first admin's password among it). */
  log?: (line: string) => void;
}

/**
 * What every NetAuto server does first: opens the database (DATABASE_URL, or the embedded
 * PostgreSQL in ./.netauto), applies migrations, creates the first admin when there is
 * none (printing a generated password once), and starts queue workers in this process
 * unless NETAUTO_WORKERS=0.
 */
export async function startNetAuto(options: StartOptions): Promise<NetAutoRuntime> {
  const { config } = options;
  const env = config.api;
  const log =
    options.log ??
    ((line: string) => {
      console.log(line);
    });
  const opened = await openDatabase(config);
  let workers: Workers | undefined;
  let services: Services | undefined;
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      await workers?.stop();
      await services?.hub.stop();
      await opened.close();
    })());
  try {
    // A database that is not up yet is waited for, not a reason to exit.
    for (let said = false; ;) {
      try {
        await opened.db.migrate();
        break;
      } catch (error) {
        if (!isDatabaseUnavailable(error)) throw error;
        if (!said) log('the database is unreachable; waiting for it');
        said = true;
        await new Promise((resolve) => setTimeout(resolve, 2000));
      }
    }
    services = createServices(opened.db, config);
    const admin = await services.users.ensureFirstAdmin(
      env.NETAUTO_ADMIN_EMAIL,
      env.NETAUTO_ADMIN_PASSWORD,
    );
    if (admin) {
      log(`first admin: ${admin.user.email}`);
      if (admin.generated) log(`password (shown once, change it): ${admin.password}`);
    }
    workers =
      config.worker.NETAUTO_WORKERS === '1'
        ? await startWorkersFromEnv(opened.db, config)
        : undefined;
    return {
      config,
      db: opened.db,
      services,
      workers,
      firstAdmin: admin && { user: admin.user, generated: admin.generated },
      stop,
    };
  } catch (error) {
    await stop().catch(() => undefined);
    throw error;
  }
}
