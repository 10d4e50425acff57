import type { Logger } from '@netauto/observability';
import type { UserRole } from '@netauto/schema';
import { TRPCError } from '@trpc/server';
import { ROLE_RANK, type Identity } from '../context.js';
import type { Store, Uses } from '../store.js';

/** Where the callers of streams are checked again. */
export type AccessWatchRepos = Uses<{ sessions: 'stillValid'; apiTokens: 'stillValid' }>;

/** One stream whose caller is re-checked. */
interface Watched {
  identity: Identity;
  role: UserRole;
  controller: AbortController;
}

export interface AccessLease {
  /** Aborts, with a TRPCError as its reason, when the caller may no longer read. */
  signal: AbortSignal;
  /** The stream is over: stop checking its caller. */
  stop(): void;
}

/**
 * Keeps checking the callers of long streams (output streams and subscriptions): a
 * stream ends soon after its session ends, its API token is revoked or expires, or its
 * user is disabled or loses the role the stream needs. The database is the source, so
 * a change made through any process is seen; every `intervalMs`, one statement for the
 * sessions and one for the tokens of all the streams of this process.
 */
export class AccessWatch {
  private readonly watched = new Set<Watched>();
  private timer: NodeJS.Timeout | undefined;
  private checking = false;

  constructor(
    private readonly store: Store<AccessWatchRepos>,
    private readonly logger: Pick<Logger, 'warn'>,
    readonly intervalMs = 1000,
  ) {}

  watch(identity: Identity, role: UserRole): AccessLease {
    const entry: Watched = { identity, role, controller: new AbortController() };
    this.watched.add(entry);
    this.schedule();
    return {
      signal: entry.controller.signal,
      stop: () => {
        this.watched.delete(entry);
        if (this.watched.size === 0) this.cancel();
      },
    };
  }

  /** How many streams are watched now. */
  get size(): number {
    return this.watched.size;
  }

  private schedule(): void {
    if (this.timer || this.watched.size === 0) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.check().finally(() => {
        this.schedule();
      });
    }, this.intervalMs);
    this.timer.unref();
  }

  private cancel(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Ends the streams whose callers may no longer read. */
  async check(): Promise<void> {
    if (this.checking || this.watched.size === 0) return;
    this.checking = true;
    try {
      const entries = [...this.watched];
      const sessionIds: number[] = [];
      const tokenIds: number[] = [];
      for (const { identity } of entries) {
        if (identity.tokenId !== undefined) tokenIds.push(identity.tokenId);
        else if (identity.sessionId !== undefined) sessionIds.push(identity.sessionId);
      }
      const { repos } = this.store;
      const [sessions, tokens] = await Promise.all([
        repos.sessions.stillValid(sessionIds),
        repos.apiTokens.stillValid(tokenIds),
      ]);
      for (const entry of entries) {
        const { identity } = entry;
        const now =
          identity.tokenId !== undefined
            ? tokens.get(identity.tokenId)
            : identity.sessionId !== undefined
              ? sessions.get(identity.sessionId)
              : identity.user.role;
        const reason =
          now === undefined
            ? new TRPCError({
                code: 'UNAUTHORIZED',
                message:
                  identity.via === 'token'
                    ? 'this API token was revoked or has expired, or its user disabled; the stream ends'
                    : 'your session has ended or your account was disabled; the stream ends',
              })
            : ROLE_RANK[now] < ROLE_RANK[entry.role]
              ? new TRPCError({
                  code: 'FORBIDDEN',
                  message: `this needs the ${entry.role} role; you are now ${now}; the stream ends`,
                })
              : undefined;
        if (reason) {
          this.watched.delete(entry);
          entry.controller.abort(reason);
        }
      }
    } catch (error) {
      // The database is away: the streams fail on their own if it stays away.
      this.logger.warn({ err: error }, 'could not re-check the callers of open streams');
    } finally {
      this.checking = false;
      if (this.watched.size === 0) this.cancel();
    }
  }
}

/**
 * An async iterable that ends with the lease's reason once the lease is aborted, even
 * while the source is waiting; the source is then closed.
 */
export function endWith<T>(source: AsyncIterable<T>, lease: AccessLease): AsyncIterable<T> {
  return {
    [Symbol.asyncIterator](): AsyncIterator<T> {
      const inner = source[Symbol.asyncIterator]();
      let onAbort: (() => void) | undefined;
      const ended = new Promise<never>((_, reject) => {
        onAbort = () => {
          reject(lease.signal.reason as Error);
        };
        if (lease.signal.aborted) onAbort();
        else lease.signal.addEventListener('abort', onAbort, { once: true });
      });
      ended.catch(() => undefined);
      const finish = () => {
        if (onAbort) lease.signal.removeEventListener('abort', onAbort);
        lease.stop();
      };
      return {
        next: async () => {
          try {
            const result = await Promise.race([inner.next(), ended]);
            if (result.done) finish();
            return result;
          } catch (error) {
            finish();
            // The source may be waiting: it closes once its wait is over.
            void inner.return?.().catch(() => undefined);
            throw error;
          }
        },
        return: async (value?: unknown): Promise<IteratorResult<T>> => {
          finish();
          if (inner.return) return inner.return(value);
          return { done: true, value: undefined };
        },
      };
    },
  };
}
