import type { User, UserRole } from '@netauto/schema';
import { toTRPCError } from './errors.js';
import type { Services } from './services.js';

/** Who is calling, and how they proved it. */
export interface Identity {
  user: User;
  via: 'session' | 'token';
  sessionId?: number;
  tokenId?: number;
  /** A read-only API token: queries and subscriptions only. */
  readOnly: boolean;
}

/** What the transport tells the API about a request. */
export interface RequestInfo {
  header(name: string): string | null | undefined;
  clientIp: string | null;
  setCookie(cookie: string): void;
}

export interface Context {
  services: Services;
  identity: Identity | null;
  request: RequestInfo;
}

export const SESSION_COOKIE = 'netauto_session';

export function cookieValue(header: string | null | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq !== -1 && part.slice(0, eq).trim() === name) {
      try {
        return decodeURIComponent(part.slice(eq + 1).trim());
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

/**
 * Resolves the caller from `Authorization: Bearer` or the session cookie. A database
 * that cannot be reached is a TRPCError SERVICE_UNAVAILABLE.
 */
export async function createContext(services: Services, request: RequestInfo): Promise<Context> {
  const authorization = request.header('authorization');
  let identity: Identity | null = null;
  try {
    if (authorization?.toLowerCase().startsWith('bearer ')) {
      identity = await services.auth.identifyToken(authorization.slice(7).trim());
    } else {
      const session = cookieValue(request.header('cookie'), SESSION_COOKIE);
      if (session) identity = await services.auth.identifySession(session);
    }
  } catch (error) {
    throw toTRPCError(error) ?? error;
  }
  return { services, identity, request };
}

export const ROLE_RANK: Record<UserRole, number> = { viewer: 1, operator: 2, admin: 3 };
