import { isDatabaseUnavailable } from '@netauto/db';
import pg from 'pg';
import type { Logger } from '@netauto/observability';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits between two tries while the database is away: 200 ms, doubling up to 2 s. */
const backoff = (attempt: number) => Math.min(2000, 200 * 2 ** Math.min(attempt, 4));

/**
 * Whether a worker process can reach its database, as its statements find out: away
 * from the first one that fails for the database being unreachable until one succeeds.
 * Says so in the log once each way.
 */
export class DatabaseContact {
  private awaySince: number | undefined;
  private since = performance.now();
  private readonly backListeners = new Set<() => void>();

  constructor(private readonly logger?: Logger) {}

  /** Whether the last statement failed for the database being unreachable. */
  get away(): boolean {
    return this.awaySince !== undefined;
  }

  /** How long statements have succeeded without a break (0 while away). */
  inContactFor(): number {
    return this.awaySince === undefined ? performance.now() - this.since : 0;
  }

  failed(error: unknown): void {
    if (this.awaySince !== undefined) return;
    this.awaySince = performance.now();
    const code = (error as { code?: unknown } | null)?.code;
    this.logger?.warn(
      { code: typeof code === 'string' ? code : undefined },
      'the database is unreachable: runs go on, their output waits in memory, statements are retried',
    );
  }

  succeeded(): void {
    if (this.awaySince === undefined) return;
    const seconds = Math.round((performance.now() - this.awaySince) / 100) / 10;
    this.awaySince = undefined;
    this.since = performance.now();
    this.logger?.info({ seconds }, 'the database is back');
    for (const listener of this.backListeners) listener();
  }

  /** Calls `listener` whenever the database is reached again after being away. */
  onBack(listener: () => void): () => void {
    this.backListeners.add(listener);
    return () => this.backListeners.delete(listener);
  }

  /**
   * Runs `statement` until it does not fail for the database being unreachable (any
   * other error is thrown). Only for statements that may be sent twice: idempotent
   * ones, or ones that tell a repeat apart. `onAway` is called at each such failure.
   */
  async retry<T>(statement: () => Promise<T>, onAway?: () => void): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        const result = await statement();
        this.succeeded();
        return result;
      } catch (error) {
        if (!isDatabaseUnavailable(error)) throw error;
        this.failed(error);
        onAway?.();
        await sleep(backoff(attempt));
      }
    }
  }
}

/**
 * Calls `beat` every `everyMs`; while the database is away, every 500 ms at the most
 * (and at once when another statement finds it back), so that a worker's runs are
 * said to be alive as soon as it can be said. A failing beat is logged and tried again.
 */
export function startHeartbeat(
  beat: () => Promise<void>,
  options: { everyMs: number; contact: DatabaseContact; logger?: Logger | undefined },
): { stop(): void } {
  const { everyMs, contact, logger } = options;
  let timer: NodeJS.Timeout | undefined;
  let beating = false;
  let stopped = false;
  const schedule = (ms: number) => {
    if (!stopped) timer = setTimeout(() => void tick(), ms);
  };
  const tick = async () => {
    if (beating || stopped) return;
    beating = true;
    clearTimeout(timer);
    try {
      await beat();
      contact.succeeded();
    } catch (error) {
      if (isDatabaseUnavailable(error)) contact.failed(error);
      else logger?.warn({ err: error }, 'heartbeat failed');
    } finally {
      beating = false;
    }
    schedule(contact.away ? Math.min(everyMs, 500) : everyMs);
  };
  schedule(everyMs);
  const off = contact.onBack(() => void tick());
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
      off();
    },
  };
}

/**
 * The queue's connection pool: a connection asked for while the database is away is
 * made once it is back (tried every second or so) instead of failing, so that the
 * queue's own work (fetching, completing and returning jobs, listening, cron) waits
 * out an outage rather than failing and shutting the queue down. `giveUp()` makes the
 * waits fail, for shutting down.
 */
export class PatientPool extends pg.Pool {
  private gaveUp = false;

  constructor(
    config: pg.PoolConfig,
    private readonly contact: DatabaseContact,
  ) {
    super(config);
    // A connection the server cuts while idle or in use is dropped by pg; these only
    // keep the event from ending the process (one log line comes from the contact).
    this.on('error', (error) => {
      contact.failed(error);
    });
    this.on('connect', (client) => {
      client.on('error', (error) => {
        contact.failed(error);
      });
    });
  }

  /** From now on, a connection that cannot be made fails at once. */
  giveUp(): void {
    this.gaveUp = true;
  }

  override connect(): Promise<pg.PoolClient>;
  override connect(
    callback: (
      err: Error | undefined,
      client: pg.PoolClient | undefined,
      done: (release?: unknown) => void,
    ) => void,
  ): void;
  override connect(
    callback?: (
      err: Error | undefined,
      client: pg.PoolClient | undefined,
      done: (release?: unknown) => void,
    ) => void,
  ): Promise<pg.PoolClient> | undefined {
    const connected = this.connectPatiently();
    if (!callback) return connected;
    connected.then(
      (client) => {
        callback(undefined, client, (release) => {
          client.release(release as boolean | Error | undefined);
        });
      },
      (error: unknown) => {
        callback(error instanceof Error ? error : new Error(String(error)), undefined, () => {
          // Nothing to release.
        });
      },
    );
    return undefined;
  }

  private async connectPatiently(): Promise<pg.PoolClient> {
    for (let attempt = 0; ; attempt++) {
      try {
        const client = await super.connect();
        this.contact.succeeded();
        return client;
      } catch (error) {
        if (this.gaveUp || this.ending || !isDatabaseUnavailable(error)) throw error;
        this.contact.failed(error);
        await sleep(backoff(attempt));
      }
    }
  }
}
