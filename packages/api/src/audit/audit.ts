import type { AuditAction } from '@netauto/schema';
import type { Identity } from '../context.js';
import type { Store, Uses } from '../store.js';

/** Who did it: a signed-in user, or the system itself. */
export interface Actor {
  id: number | null;
  email: string | null;
}

export const SYSTEM: Actor = { id: null, email: null };

export function actorOf(identity: Identity): Actor {
  return { id: identity.user.id, email: identity.user.email };
}

const SECRET_KEY = /pass(word|phrase)?|secret|token|priv(ate)?_?key|hash|cookie|authorization/i;

/** A copy of `value` with every secret-looking field replaced. */
export function redact(value: unknown, depth = 0): unknown {
  if (depth > 6) return '[deep]';
  if (Array.isArray(value)) return value.slice(0, 50).map((v) => redact(v, depth + 1));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      out[k] = SECRET_KEY.test(k) ? '[redacted]' : redact(v, depth + 1);
    }
    return out;
  }
  if (typeof value === 'string' && value.length > 500) return `${value.slice(0, 500)}…`;
  return value;
}

export interface AuditTarget {
  type: string;
  id: string | number | null;
  summary?: Record<string, unknown>;
}

/** What writing an audit event needs of the repositories. */
export type AuditWriter = Uses<{ audit: 'record' }>;

/** Writes an audit event with the repositories of the caller's transaction. */
export async function recordAudit(
  repos: AuditWriter,
  actor: Actor,
  action: AuditAction,
  target: AuditTarget,
): Promise<void> {
  await repos.audit.record({
    actorId: actor.id,
    actorEmail: actor.email,
    action,
    targetType: target.type,
    targetId: target.id === null ? null : String(target.id),
    summary: redact(target.summary ?? {}) as Record<string, unknown>,
  });
}

/**
 * Runs a change and writes its audit event in one transaction: the event exists
 * exactly when the change does.
 */
export function audited<T, R extends AuditWriter>(
  store: Store<R>,
  actor: Actor,
  action: AuditAction,
  change: (repos: R) => Promise<T>,
  describe: (result: T) => AuditTarget,
): Promise<T> {
  return store.transaction(async (repos) => {
    const result = await change(repos);
    await recordAudit(repos, actor, action, describe(result));
    return result;
  });
}
