import {
  errorInfo,
  followOutput,
  OutputStreamError,
  type ClientOptions,
  type NetAutoClient,
} from '@netauto/client';
import type { BulkProgressEvent, Run } from '@netauto/schema';

/** Errors that no reconnect can cure. */
const FATAL_CODES = new Set([
  'UNAUTHORIZED',
  'FORBIDDEN',
  'NOT_FOUND',
  'BAD_REQUEST',
  'PRECONDITION_FAILED',
]);

/** How a follower tells about its connection. */
export interface ConnectionEvents {
  /** The connection dropped; the follower keeps trying. */
  onInterrupted?: (reason: string) => void;
  /** It is connected again. */
  onResumed?: () => void;
  /** Give up after the server has been unreachable this long (default 10 minutes). */
  giveUpAfterMs?: number;
  signal?: AbortSignal | undefined;
}

type Outcome<T> =
  { kind: 'done'; value: T } | { kind: 'retry' } | { kind: 'fatal'; error: unknown };

export interface Attempt<T> {
  (callbacks: {
    onStarted: () => void;
    onComplete: () => void;
    onError: (error: unknown) => void;
    onConnectionStateChange: (state: { state: string; error: unknown }) => void;
    settle: (outcome: Outcome<T>) => void;
  }): { unsubscribe: () => void };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

class Aborted extends Error {
  constructor() {
    super('stopped');
    this.name = 'AbortError';
  }
}

/** A connection that holds this long ends an outage. */
const STABLE_MS = 5000;

/**
 * Keeps a subscription going until it says it is done: through dropped connections and
 * server restarts (tRPC's EventSource resumes by itself from the last event id; when the
 * stream ends or fails without being done, a new subscription starts from where the last
 * one got to).
 */
export async function resilient<T>(events: ConnectionEvents, attempt: Attempt<T>): Promise<T> {
  const giveUpAfterMs = events.giveUpAfterMs ?? 600_000;
  // When the current outage began: it ends only once a connection has held for a while,
  // so that a server that accepts and then fails again and again is given up on too.
  let downSince: number | undefined;
  let lostSaid = false;
  let stable: NodeJS.Timeout | undefined;
  let backoff = 200;
  for (;;) {
    if (events.signal?.aborted) throw new Aborted();
    const outcome = await new Promise<Outcome<T>>((resolve) => {
      let settled = false;
      const isSettled = () => settled;
      let giveUp: NodeJS.Timeout | undefined;
      const current: { sub?: { unsubscribe: () => void } } = {};
      const settle = (o: Outcome<T>) => {
        if (settled) return;
        settled = true;
        clearTimeout(giveUp);
        events.signal?.removeEventListener('abort', onAbort);
        current.sub?.unsubscribe();
        resolve(o);
      };
      const onAbort = () => {
        settle({ kind: 'fatal', error: new Aborted() });
      };
      events.signal?.addEventListener('abort', onAbort);
      const interrupted = (error: unknown) => {
        clearTimeout(stable);
        downSince ??= Date.now();
        if (!lostSaid) {
          lostSaid = true;
          events.onInterrupted?.(error instanceof Error ? error.message : 'connection lost');
        }
        clearTimeout(giveUp);
        giveUp = setTimeout(
          () => {
            settle({ kind: 'fatal', error });
          },
          Math.max(0, giveUpAfterMs - (Date.now() - downSince)),
        );
      };
      const sub = attempt({
        settle,
        onStarted: () => {
          clearTimeout(giveUp);
          backoff = 200;
          if (lostSaid) {
            lostSaid = false;
            events.onResumed?.();
          }
          clearTimeout(stable);
          stable = setTimeout(() => {
            downSince = undefined;
          }, STABLE_MS);
          stable.unref();
        },
        onComplete: () => {
          settle({ kind: 'retry' });
        },
        onError: (error) => {
          const code =
            errorInfo(error)?.code ?? (error instanceof OutputStreamError ? error.code : '');
          if (FATAL_CODES.has(code)) settle({ kind: 'fatal', error });
          else {
            interrupted(error);
            settle({ kind: 'retry' });
          }
        },
        onConnectionStateChange: (state) => {
          if (state.state === 'connecting' && state.error) interrupted(state.error);
        },
      });
      current.sub = sub;
      // It may have ended while subscribing.
      if (isSettled()) sub.unsubscribe();
    });
    switch (outcome.kind) {
      case 'done':
        return outcome.value;
      case 'fatal':
        throw outcome.error;
      case 'retry':
        if (downSince !== undefined && Date.now() - downSince > giveUpAfterMs) {
          throw new Error('the server stayed unreachable');
        }
        await sleep(backoff);
        backoff = Math.min(backoff * 2, 3000);
    }
  }
}

export interface FollowRunOptions extends ConnectionEvents {
  /** Start after this chunk (-1 or none: from the start). */
  afterSeq?: number;
  /** Each chunk once, in order. */
  onChunk: (data: string, seq: number) => void;
}

/**
 * Follows a run's output to its end through its byte stream (fast for large outputs);
 * resolves with the run as it ended.
 */
export function followRun(
  connection: ClientOptions,
  runId: number,
  options: FollowRunOptions,
): Promise<Run> {
  let last = options.afterSeq ?? -1;
  return resilient<Run>(options, (cb) => {
    const stop = new AbortController();
    void (async () => {
      try {
        // One connection per attempt: resilient() decides when to connect again.
        for await (const event of followOutput(connection, runId, {
          afterSeq: last,
          signal: stop.signal,
          retries: 0,
          onConnected: cb.onStarted,
        })) {
          if (event.type === 'end') {
            cb.settle({ kind: 'done', value: event.run });
            return;
          }
          if (event.seq <= last) continue; // already written
          if (event.seq !== last + 1) {
            // A chunk is missing: follow again from the last one written.
            cb.settle({ kind: 'retry' });
            return;
          }
          last = event.seq;
          options.onChunk(event.data, event.seq);
        }
        cb.onComplete();
      } catch (error) {
        if (!stop.signal.aborted) cb.onError(error);
      }
    })();
    return {
      unsubscribe: () => {
        stop.abort();
      },
    };
  });
}

export interface FollowBulkOptions extends ConnectionEvents {
  onEvent: (event: BulkProgressEvent) => void;
}

/** Follows a bulk's progress until no run of it is pending or running. */
export function followBulk(
  api: NetAutoClient,
  bulkId: number,
  options: FollowBulkOptions,
): Promise<void> {
  let lastEventId: string | undefined;
  return resilient<undefined>(options, (cb) =>
    api.bulks.onProgress.subscribe(
      { id: bulkId, ...(lastEventId !== undefined && { lastEventId }) },
      {
        onStarted: cb.onStarted,
        onComplete: cb.onComplete,
        onError: cb.onError,
        onConnectionStateChange: cb.onConnectionStateChange,
        onData: ({ id, data }) => {
          lastEventId = id;
          options.onEvent(data);
          if (data.type === 'counts' && data.done) cb.settle({ kind: 'done', value: undefined });
        },
      },
    ),
  );
}
