// In-memory stand-ins for unit tests of services: a store over fake repositories, an
// audit log, announcement hubs the test wakes by hand, and rows to fill them with. No
// database and no network: what a service decides is tested here, what PostgreSQL
// keeps is tested against PostgreSQL.
import type { Repositories } from '@netauto/db';
import type { Wakeup } from '@netauto/worker';
import type { Bulk, Run, Template, User, UserRole } from '@netauto/schema';
import type { Identity } from '../src/context.js';
import type { Store } from '../src/store.js';

export const NOW = '2026-01-01T00:00:00.000Z';

/** A store whose transactions hand over the same repositories and note how they ended. */
export interface MemoryStore<R> extends Store<R> {
  /** One entry per transaction, in order: did it commit or roll back? */
  readonly outcomes: ('commit' | 'rollback')[];
}

export function memoryStore<R>(repos: R): MemoryStore<R> {
  const outcomes: ('commit' | 'rollback')[] = [];
  return {
    repos,
    outcomes,
    async transaction(fn) {
      try {
        const result = await fn(repos);
        outcomes.push('commit');
        return result;
      } catch (error) {
        outcomes.push('rollback');
        throw error;
      }
    },
  };
}

export type AuditRecord = Parameters<Repositories['audit']['record']>[0];

/** An audit repository that keeps what it is given. */
export function auditLog() {
  const events: AuditRecord[] = [];
  const repo: Pick<Repositories['audit'], 'record'> = {
    record: (event) => {
      events.push(event);
      return Promise.resolve({
        id: events.length,
        actorId: event.actorId ?? null,
        actorEmail: event.actorEmail ?? null,
        action: event.action,
        targetType: event.targetType ?? null,
        targetId:
          event.targetId === null || event.targetId === undefined ? null : String(event.targetId),
        summary: event.summary ?? {},
        createdAt: NOW,
      });
    },
  };
  return { events, repo };
}

/** A hub whose waits end only when the test says so (or when their signal aborts). */
export class ManualHub<T> {
  private readonly waiters = new Set<{ id: number; resolve: (note: T | undefined) => void }>();
  /** How many waits were asked for, in all. */
  asked = 0;
  /** Ids whose end this hub has heard (see OutputHub.heardEnd). */
  readonly ended = new Set<number>();

  next(id: number, signal: AbortSignal | undefined): Wakeup<T> {
    this.asked += 1;
    let waiter!: { id: number; resolve: (note: T | undefined) => void };
    const promise = new Promise<T | undefined>((resolve) => {
      waiter = {
        id,
        resolve: (note) => {
          this.waiters.delete(waiter);
          resolve(note);
        },
      };
    });
    this.waiters.add(waiter);
    signal?.addEventListener('abort', () => {
      waiter.resolve(undefined);
    });
    return {
      promise,
      cancel: () => {
        this.waiters.delete(waiter);
      },
    };
  }

  heardEnd(id: number): boolean {
    return this.ended.has(id);
  }

  /** How many waits are open now (for `id`, or in all). */
  waiting(id?: number): number {
    return [...this.waiters].filter((w) => id === undefined || w.id === id).length;
  }

  /** Ends the open waits for `id` with `note` (undefined: as a timeout does). */
  wake(id: number, note?: T): void {
    for (const w of [...this.waiters]) if (w.id === id) w.resolve(note);
  }
}

/** The next value of an async iterator, or a failure when it waits longer than `ms`. */
export async function nextWithin<T>(iterator: AsyncIterator<T>, ms = 500): Promise<T | 'done'> {
  let timer: NodeJS.Timeout | undefined;
  const stalled = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(new Error(`no value within ${ms} ms: it is waiting`));
    }, ms);
  });
  try {
    const result = await Promise.race([iterator.next(), stalled]);
    return result.done ? 'done' : result.value;
  } finally {
    clearTimeout(timer);
  }
}

/** Every value up to the end, failing when the iterator waits longer than `ms` for one. */
export async function drain<T>(iterable: AsyncIterable<T>, ms = 500): Promise<T[]> {
  const iterator = iterable[Symbol.asyncIterator]();
  const values: T[] = [];
  for (;;) {
    const value = await nextWithin(iterator, ms);
    if (value === 'done') return values;
    values.push(value);
  }
}

/** Whether a promise is still pending once the microtasks and timers queued now have run. */
export async function isPending(promise: Promise<unknown>): Promise<boolean> {
  let settled = false;
  promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  await new Promise((resolve) => setTimeout(resolve, 20));
  return !settled;
}

export function userOf(role: UserRole = 'operator', id = 7): User {
  return {
    id,
    email: `${role}@example.net`,
    role,
    disabled: false,
    createdAt: NOW,
    updatedAt: NOW,
  };
}

export function identityOf(role: UserRole = 'operator', extra: Partial<Identity> = {}): Identity {
  return { user: userOf(role), via: 'session', sessionId: 1, readOnly: false, ...extra };
}

export function runOf(fields: Partial<Run> = {}): Run {
  return {
    id: 1,
    deviceId: 10,
    templateId: null,
    bulkId: null,
    command: 'show clock',
    mode: 'read',
    status: 'pending',
    errorReason: null,
    errorMessage: null,
    bytes: 0,
    chunkCount: 0,
    exitCode: null,
    attempt: 1,
    requestedBy: 7,
    requestedByEmail: 'operator@example.net',
    requestedAt: NOW,
    startedAt: null,
    finishedAt: null,
    createdAt: NOW,
    updatedAt: NOW,
    ...fields,
  };
}

export function templateOf(fields: Partial<Template> = {}): Template {
  return {
    id: 3,
    name: 'echo',
    body: 'echo {{msg}}',
    mode: 'read',
    variables: { msg: { type: 'string', required: true } },
    enabled: true,
    notes: null,
    commandTimeoutMs: null,
    createdAt: NOW,
    updatedAt: NOW,
    ...fields,
  };
}

export function bulkOf(fields: Partial<Bulk> = {}): Bulk {
  return {
    id: 5,
    requestedBy: 7,
    requestedByEmail: 'operator@example.net',
    templateId: null,
    command: 'show clock',
    mode: 'read',
    target: { type: 'group', groupId: 1 },
    total: 2,
    counts: { pending: 2, running: 0, ok: 0, error: 0 },
    done: false,
    canceledAt: null,
    createdAt: NOW,
    updatedAt: NOW,
    ...fields,
  };
}
