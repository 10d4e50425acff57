import { loadConfig, type Environment } from '@netauto/config';
import type { UserRole } from '@netauto/schema';
import { createTestDatabase, factories } from '@netauto/db/testing';
import { afterAll, inject } from 'vitest';
import { createContext, type Context, type RequestInfo } from '../src/context.js';
import { appRouter } from '../src/root.js';
import { createServices, type ServiceOptions } from '../src/services.js';
import { databaseStore } from '../src/store.js';
import { createCallerFactory, type Meta } from '../src/trpc.js';

export const createCaller = createCallerFactory(appRouter);

/** Every procedure of the router, by its dotted path. */
export const procedures = Object.entries(
  appRouter._def.procedures as unknown as Record<string, { _def: { meta?: Meta; type: string } }>,
);

export const PASSWORD = 'correct horse battery';

/** A request as a transport would describe it; cookies set are kept for inspection. */
export function requestInfo(headers: Record<string, string> = {}, clientIp = '127.0.0.1') {
  const cookies: string[] = [];
  const info: RequestInfo & { cookies: string[] } = {
    header: (name) => headers[name.toLowerCase()] ?? null,
    clientIp,
    setCookie: (c) => cookies.push(c),
    cookies,
  };
  return info;
}

/**
 * A migrated database of this file's own, the services on it, and callers per role.
 * `env`: the variables the services' configuration is loaded from (none by default).
 */
export async function useApi({
  env = {},
  ...options
}: ServiceOptions & { env?: Environment } = {}) {
  const test = await createTestDatabase(inject('netautoPg'));
  afterAll(() => test.drop());
  const services = createServices(test.db, loadConfig(env), options);
  const store = databaseStore(test.db);
  const { repos } = store;
  const make = factories(test.db);

  const anonymous = () =>
    createCaller({ services, identity: null, request: requestInfo() } satisfies Context);

  /** Signs a new user of this role in through auth.login and returns a caller with its cookie. */
  async function signedIn(
    role: UserRole,
    email = `${role}-${Math.random().toString(36).slice(2, 8)}@example.net`,
  ) {
    const user = await services.users.create(null, { email, password: PASSWORD, role });
    const login = requestInfo();
    const caller = createCaller({ services, identity: null, request: login });
    await caller.auth.login({ email, password: PASSWORD });
    const cookie = login.cookies[0]?.split(';')[0] ?? '';
    const request = requestInfo({ cookie });
    const ctx = await createContext(services, request);
    return { user, cookie, request, caller: createCaller(ctx) };
  }

  return { ...test, services, store, repos, make, anonymous, signedIn };
}
