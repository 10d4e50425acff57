// Re-checking the callers of open streams, on repositories in memory: who keeps reading,
// who is cut off with which error, and what a database outage does.
import type { UserRole } from '@netauto/schema';
import type { TRPCError } from '@trpc/server';
import { describe, expect, it } from 'vitest';
import { identityOf, memoryStore } from '../../test/fakes.js';
import { AccessWatch } from './access-watch.js';

function setup() {
  const sessions = new Map<number, UserRole>();
  const tokens = new Map<number, UserRole>();
  let away = false;
  const read = (valid: Map<number, UserRole>) => (ids: readonly number[]) =>
    away
      ? Promise.reject(new Error('connection refused'))
      : Promise.resolve(
          new Map(
            ids.flatMap((id) => (valid.has(id) ? [[id, valid.get(id) as UserRole] as const] : [])),
          ),
        );
  const warned: unknown[] = [];
  const watch = new AccessWatch(
    memoryStore({
      sessions: { stillValid: read(sessions) },
      apiTokens: { stillValid: read(tokens) },
    }),
    { warn: (...args: unknown[]) => warned.push(args) } as never,
    60_000,
  );
  return { watch, sessions, tokens, warned, setAway: (v: boolean) => (away = v) };
}

const reasonOf = (signal: AbortSignal) => signal.reason as TRPCError;

describe('AccessWatch.check', () => {
  it('a caller still allowed keeps the stream; one whose role fell below it gets FORBIDDEN', async () => {
    const w = setup();
    w.sessions.set(1, 'operator');
    const lease = w.watch.watch(identityOf('operator', { sessionId: 1 }), 'operator');
    await w.watch.check();
    expect(lease.signal.aborted).toBe(false);
    w.sessions.set(1, 'viewer');
    await w.watch.check();
    expect(reasonOf(lease.signal).code).toBe('FORBIDDEN');
    expect(reasonOf(lease.signal).message).toBe(
      'this needs the operator role; you are now viewer; the stream ends',
    );
    expect(w.watch.size).toBe(0);
  });

  it('a revoked API token ends its stream with UNAUTHORIZED, saying it was the token', async () => {
    const w = setup();
    w.tokens.set(4, 'viewer');
    w.sessions.set(4, 'viewer'); // the same id as a session: tokens are checked as tokens
    const lease = w.watch.watch(
      identityOf('viewer', { via: 'token', tokenId: 4, sessionId: undefined }),
      'viewer',
    );
    w.tokens.delete(4);
    await w.watch.check();
    expect(reasonOf(lease.signal).code).toBe('UNAUTHORIZED');
    expect(reasonOf(lease.signal).message).toMatch(/API token was revoked/);
  });

  it('while the database is away, streams go on and the failure is logged', async () => {
    const w = setup();
    const lease = w.watch.watch(identityOf('viewer', { sessionId: 9 }), 'viewer');
    w.setAway(true);
    await w.watch.check();
    expect(lease.signal.aborted).toBe(false);
    expect(w.warned).toHaveLength(1);
    w.setAway(false);
    await w.watch.check();
    expect(reasonOf(lease.signal).code).toBe('UNAUTHORIZED');
  });

  it('a stopped lease is no longer checked', async () => {
    const w = setup();
    const lease = w.watch.watch(identityOf('viewer', { sessionId: 2 }), 'viewer');
    lease.stop();
    await w.watch.check();
    expect(lease.signal.aborted).toBe(false);
    expect(w.watch.size).toBe(0);
  });
});
