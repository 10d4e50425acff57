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
