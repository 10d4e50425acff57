import {
  appRouter,
  createCallerFactory,
  createContext,
  SESSION_COOKIE,
  type Context,
  type RequestInfo,
  type Services,
} from '@netauto/api';
import type { Cookies, RequestEvent } from '@sveltejs/kit';

const createCaller = createCallerFactory(appRouter);

/** The whole API, called in this process with the request's identity. */
export type Api = ReturnType<typeof createCaller>;

/**
 * The API sets its session cookie as a header line; SvelteKit sets cookies through
 * `cookies`. Translates the one into the other (the attributes are the API's).
 */
export function applySetCookie(cookies: Cookies, line: string): void {
  const [pair = '', ...attributes] = line.split(';').map((s) => s.trim());
  const eq = pair.indexOf('=');
  const name = pair.slice(0, eq);
  const value = pair.slice(eq + 1);
  if (name !== SESSION_COOKIE) return;
  const attr = new Map(
    attributes.map((a) => {
      const i = a.indexOf('=');
      return i === -1 ? [a.toLowerCase(), ''] : [a.slice(0, i).toLowerCase(), a.slice(i + 1)];
    }),
  );
  const maxAge = Number(attr.get('max-age') ?? '0');
  const options = {
    path: attr.get('path') ?? '/',
    httpOnly: attr.has('httponly'),
    sameSite: 'lax' as const,
    secure: attr.has('secure'),
  };
  if (maxAge <= 0 || value === '') cookies.delete(name, options);
  else cookies.set(name, value, { ...options, maxAge, encode: (v) => v });
}

/** The request as the API's context sees it: headers, client address, cookies it sets. */
export function requestInfoOf(event: RequestEvent): RequestInfo {
  return {
    header: (name) => event.request.headers.get(name),
    clientIp: clientAddress(event),
    setCookie: (line) => {
      applySetCookie(event.cookies, line);
    },
  };
}

export function clientAddress(event: RequestEvent): string | null {
  try {
    return event.getClientAddress();
  } catch {
    return null;
  }
}

export async function callerFor(
  services: Services,
  event: RequestEvent,
): Promise<{ api: Api; context: Context }> {
  const context = await createContext(services, requestInfoOf(event));
  return { api: createCaller(context), context };
}
