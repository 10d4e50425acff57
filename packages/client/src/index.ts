import type { AppRouter } from '@netauto/api';
import {
  createTRPCClient,
  httpBatchLink,
  httpSubscriptionLink,
  splitLink,
  TRPCClientError,
  type TRPCClient,
} from '@trpc/client';
import type { inferRouterInputs, inferRouterOutputs } from '@trpc/server';
import { FrameReader, OUTPUT_FRAMES_TYPE, type Run, type RunOutputEvent } from '@netauto/schema';
import { EventSource } from 'eventsource';

export type { AppRouter };
export type RouterInputs = inferRouterInputs<AppRouter>;
export type RouterOutputs = inferRouterOutputs<AppRouter>;
export type NetAutoClient = TRPCClient<AppRouter>;

export interface ClientOptions {
  /** The server, such as http://localhost:3000 (the API lives at /api/trpc under it). */
  url: string;
  /** An API token (`nat_…`); without one, a browser's session cookie is used. */
  token?: string | undefined;
  /** A fetch of your own (tests, proxies, cookies in Node). */
  fetch?: typeof globalThis.fetch | undefined;
  /** Extra headers on every request. */
  headers?: Record<string, string> | undefined;
}

export const API_PATH = '/api/trpc';

export function endpointOf(url: string): string {
  const trimmed = url.replace(/\/+$/, '');
  return trimmed.endsWith(API_PATH) ? trimmed : `${trimmed}${API_PATH}`;
}

/**
 * The typed NetAuto client: queries and mutations batched over HTTP, subscriptions
 * over server-sent events. Works in Node and in browsers.
 */
export function createNetAutoClient(options: ClientOptions): NetAutoClient {
  const url = endpointOf(options.url);
  const fetchImpl = options.fetch ?? globalThis.fetch.bind(globalThis);
  const headers = (): Record<string, string> => ({
    ...options.headers,
    ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
  });
  return createTRPCClient<AppRouter>({
    links: [
      splitLink({
        condition: (op) => op.type === 'subscription',
        true: httpSubscriptionLink({
          url,
          EventSource,
          eventSourceOptions: () => ({
            fetch: (input, init) =>
              fetchImpl(input, { ...init, headers: { ...init.headers, ...headers() } }),
          }),
        }),
        false: httpBatchLink({ url, headers, fetch: fetchImpl }),
      }),
    ],
  });
}

/** The server's base URL, without the API's path. */
function baseOf(url: string): string {
  return endpointOf(url).slice(0, -API_PATH.length);
}

/** A run's output stream was refused or failed, as the server said it. */
export class OutputStreamError extends Error {
  override name = 'OutputStreamError';
  constructor(
    readonly code: string,
    message: string,
    readonly httpStatus?: number,
  ) {
    super(message);
  }
}

export interface FollowOutputOptions {
  /** Start after this chunk (default -1: from the first). */
  afterSeq?: number;
  signal?: AbortSignal;
  /** Connections lost in a row, with nothing new between, before giving up (default 5). */
  retries?: number;
  /** The wait before connecting again, doubled each time up to 5 s (default 500 ms). */
  retryDelayMs?: number;
  /** Called each time the server starts sending the stream. */
  onConnected?: () => void;
  /** Called when the connection is lost, before connecting again. */
  onInterrupted?: (error: unknown) => void;
}

/**
 * Follows a run's output through its byte stream (`/api/runs/:id/output`): each chunk
 * once and in order, then the run as it ended. The same events as `runs.onOutput`,
 * at a fraction of the cost for large outputs. A lost connection is made again from
 * the last chunk received, so nothing is lost or repeated.
 */
export async function* followOutput(
  options: ClientOptions,
  runId: number,
  follow: FollowOutputOptions = {},
): AsyncGenerator<RunOutputEvent> {
  const fetchImpl = options.fetch ?? globalThis.fetch.bind(globalThis);
  const decoder = new TextDecoder();
  let last = follow.afterSeq ?? -1;
  let failures = 0;
  for (;;) {
    const url = `${baseOf(options.url)}/api/runs/${runId}/output?format=frames&after=${last}`;
    const progress = last;
    try {
      const response = await fetchImpl(url, {
        headers: {
          ...options.headers,
          ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
          accept: OUTPUT_FRAMES_TYPE,
        },
        ...(follow.signal && { signal: follow.signal }),
      });
      if (!response.ok) {
        const body = (await response.json().catch(() => undefined)) as
          { error?: { code?: string; message?: string } } | undefined;
        const error = new OutputStreamError(
          body?.error?.code ?? 'UNKNOWN',
          body?.error?.message ?? `the server answered ${response.status}`,
          response.status,
        );
        if (response.status < 500) throw error;
        throw Object.assign(error, { retry: true });
      }
      const type = response.headers.get('content-type') ?? 'none';
      if (!type.startsWith(OUTPUT_FRAMES_TYPE) || !response.body) {
        // A proxy's page, or not a NetAuto server at all.
        throw new OutputStreamError(
          'UNKNOWN',
          `${url} did not answer with a run's output stream (content type ${type}): is ${options.url} a NetAuto server?`,
          response.status,
        );
      }
      follow.onConnected?.();
      const reader = new FrameReader();
      for await (const bytes of response.body as unknown as AsyncIterable<Uint8Array>) {
        for (const frame of reader.push(bytes)) {
          if (frame.kind === 'chunk') {
            last = frame.seq;
            yield { type: 'chunk', seq: frame.seq, data: decoder.decode(frame.data) };
          } else if (frame.kind === 'end') {
            yield { type: 'end', run: JSON.parse(decoder.decode(frame.data)) as Run };
            return;
          } else {
            const said = JSON.parse(decoder.decode(frame.data)) as {
              code: string;
              message: string;
            };
            throw new OutputStreamError(said.code, said.message);
          }
        }
      }
      throw Object.assign(new Error('the output stream ended before the run did'), { retry: true });
    } catch (error) {
      if (follow.signal?.aborted) return;
      const retry =
        (error as { retry?: boolean }).retry === true ||
        (error instanceof TypeError && !(error instanceof OutputStreamError));
      if (!retry) throw error;
      failures = last > progress ? 1 : failures + 1;
      if (failures > (follow.retries ?? 5)) throw error;
      follow.onInterrupted?.(error);
      const delay = Math.min(5000, (follow.retryDelayMs ?? 500) * 2 ** (failures - 1));
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}

/** What went wrong in a call, as the server said it. */
export interface NetAutoErrorInfo {
  code: string;
  message: string;
  httpStatus?: number | undefined;
  /** Messages by field path, for bad input. */
  fieldErrors?: Record<string, string[]> | undefined;
}

export function errorInfo(error: unknown): NetAutoErrorInfo | undefined {
  if (!(error instanceof TRPCClientError)) return undefined;
  const data = (error as TRPCClientError<AppRouter>).data as
    { code?: string; httpStatus?: number; fieldErrors?: Record<string, string[]> } | undefined;
  return {
    code: data?.code ?? 'UNKNOWN',
    message: error.message,
    httpStatus: data?.httpStatus,
    fieldErrors: data?.fieldErrors,
  };
}

/**
 * A fetch that keeps the session cookie set by `auth.login` and sends it back, for
 * scripts in Node (browsers keep cookies themselves).
 */
export function sessionFetch(base: typeof globalThis.fetch = globalThis.fetch.bind(globalThis)) {
  let cookie: string | undefined;
  const wrapped: typeof globalThis.fetch = async (input, init) => {
    const headers = new Headers(init?.headers);
    if (cookie) headers.set('cookie', cookie);
    const response = await base(input, { ...init, headers });
    for (const set of response.headers.getSetCookie()) {
      const pair = set.split(';')[0] ?? '';
      const [name, value] = [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)];
      if (name.trim() === 'netauto_session') cookie = value ? `${name}=${value}` : undefined;
    }
    return response;
  };
  return wrapped;
}

export { TRPCClientError };
