// The branching of runs, on repositories in memory: following a run's output (finished,
// running, holes, cursors, unknown runs, lost access), watching its status, creating
// runs in batches and cancelling. What PostgreSQL stores is tested in test/*.test.ts.
import { InvalidStateError, NotFoundError, ValidationError } from '@netauto/db';
import type { Announcement } from '@netauto/worker';
import type { Device, Run, RunChunk, RunOutputEvent, Template } from '@netauto/schema';
import { TRPCError } from '@trpc/server';
import { describe, expect, it } from 'vitest';
import {
  auditLog,
  drain,
  identityOf,
  isPending,
  ManualHub,
  memoryStore,
  nextWithin,
  NOW,
  runOf,
  templateOf,
} from '../../test/fakes.js';
import { AccessWatch, endWith } from '../auth/access-watch.js';
import { RunsService, type RunsRepos } from './runs.service.js';

const notUsed = () => Promise.reject(new Error('not expected in this test'));

/** One run's world: its row, its stored chunks, and what the service asked of them. */
function setup(run: Run | undefined, stored = 0) {
  const runs = new Map<number, Run>(run ? [[run.id, run]] : []);
  const chunks = new Map<number, RunChunk[]>();
  const calls = { get: 0, listMany: [] as { runIds: number[]; limit: number }[] };
  const store = (runId: number, seq: number) => {
    const list = chunks.get(runId) ?? [];
    list.push({ runId, seq, data: `line ${seq}\n`, createdAt: NOW });
    chunks.set(runId, list);
  };
  if (run) for (let seq = 0; seq < stored; seq++) store(run.id, seq);
  /** Called before each read of chunks: lets a test land chunks "meanwhile". */
  let beforeRead: () => void = () => undefined;
  const audit = auditLog();
  const created: { record: unknown; options: unknown }[] = [];
  const finished: { id: number; from: unknown }[] = [];
  const canceled: number[] = [];
  const dropped: number[][] = [];
  const repos: RunsRepos = {
    runs: {
      get: (id) => {
        calls.get += 1;
        const found = runs.get(id);
        return found ? Promise.resolve(found) : Promise.reject(new NotFoundError('run', id));
      },
      list: notUsed,
      create: (record, options) => {
        created.push({ record, options });
        return Promise.resolve(runOf({ id: 100 + created.length, ...record }));
      },
      createMany: notUsed,
      finish: (id, outcome, from) => {
        finished.push({ id, from });
        const before = runs.get(id);
        if (!before) return Promise.reject(new NotFoundError('run', id));
        const after = runOf({
          ...before,
          status: outcome.status,
          errorReason: outcome.status === 'error' ? outcome.reason : null,
        });
        runs.set(id, after);
        return Promise.resolve(after);
      },
    },
    chunks: {
      list: notUsed,
      text: notUsed,
      listMany: (reads, limit = 100) => {
        beforeRead();
        calls.listMany.push({ runIds: reads.map((r) => r.runId), limit });
        return Promise.resolve(
          reads.map(({ runId, afterSeq }) =>
            (chunks.get(runId) ?? []).filter((c) => c.seq > afterSeq).slice(0, limit),
          ),
        );
      },
    },
    templates: { get: notUsed },
    devices: { get: notUsed },
    queue: {
      requestCancel: (id) => {
        canceled.push(id);
        return Promise.resolve();
      },
      dropWaiting: (ids) => {
        dropped.push([...ids]);
        return Promise.resolve();
      },
    },
    audit: audit.repo,
  };
  const hub = new ManualHub<Announcement>();
  const memory = memoryStore(repos);
  const service = new RunsService(memory, hub);
  return {
    service,
    hub,
    repos,
    memory,
    calls,
    audit: audit.events,
    created,
    finished,
    canceled,
    dropped,
    runs,
    store,
    setRun: (next: Run) => runs.set(next.id, next),
    onRead: (fn: () => void) => (beforeRead = fn),
  };
}

const seqs = (events: RunOutputEvent[]) =>
  events.map((e) => (e.type === 'chunk' ? e.seq : `end:${e.run.status}`));

describe('RunsService.follow', () => {
  it('a finished run: every stored chunk after the cursor, then the end, with no wait left open', async () => {
    const w = setup(runOf({ id: 1, status: 'ok', chunkCount: 3 }), 3);
    const events = await drain(w.service.follow(1, -1, undefined));
    expect(seqs(events)).toEqual([0, 1, 2, 'end:ok']);
    expect(events[0]).toEqual({ type: 'chunk', seq: 0, data: 'line 0\n' });
    expect(w.hub.waiting()).toBe(0);
  });

  it('a cursor at the last chunk of a finished run gives the end alone', async () => {
    const w = setup(
      runOf({ id: 1, status: 'error', errorReason: 'nonzero_exit', chunkCount: 3 }),
      3,
    );
    expect(seqs(await drain(w.service.follow(1, 2, undefined)))).toEqual(['end:error']);
    const empty = setup(runOf({ id: 2, status: 'error', chunkCount: 0 }));
    expect(seqs(await drain(empty.service.follow(2, -1, undefined)))).toEqual(['end:error']);
  });

  it('a cursor in the middle resumes after it, repeating nothing', async () => {
    const w = setup(runOf({ id: 1, status: 'ok', chunkCount: 5 }), 5);
    expect(seqs(await drain(w.service.follow(1, 1, undefined)))).toEqual([2, 3, 4, 'end:ok']);
  });

  it('a run seen ended before its last chunks are readable: reads again until the hole is filled', async () => {
    // The run says 4 chunks; only 2 are readable at first, the rest land meanwhile.
    const w = setup(runOf({ id: 1, status: 'ok', chunkCount: 4 }), 2);
    let reads = 0;
    w.onRead(() => {
      reads += 1;
      if (reads === 2) w.store(1, 2);
      if (reads === 3) w.store(1, 3);
    });
    const events = await drain(w.service.follow(1, -1, undefined));
    expect(seqs(events)).toEqual([0, 1, 2, 3, 'end:ok']);
    expect(w.hub.waiting()).toBe(0);
  });

  it('an unknown run fails with NotFoundError before anything is sent or awaited', async () => {
    const w = setup(undefined);
    await expect(w.service.follow(9, -1, undefined).next()).rejects.toThrow(NotFoundError);
    expect(w.hub.asked).toBe(0);
    expect(w.calls.listMany).toEqual([]);
  });

  it('a running run: waits for news, sends what lands, and reads its status only when it may have ended', async () => {
    const w = setup(runOf({ id: 1, status: 'running', chunkCount: 1 }), 1);
    const follower = w.service.follow(1, -1, undefined);
    expect(await nextWithin(follower)).toMatchObject({ type: 'chunk', seq: 0 });
    // Nothing more stored, still running: the follower waits.
    const waiting = follower.next();
    expect(await isPending(waiting)).toBe(true);
    expect(w.hub.waiting(1)).toBe(1);
    const statusReads = w.calls.get;

    // A chunk is announced: it is read and sent, and the status is not read for it.
    w.store(1, 1);
    w.hub.wake(1, 1);
    expect(await waiting).toMatchObject({ value: { type: 'chunk', seq: 1 } });
    const again = follower.next();
    expect(await isPending(again)).toBe(true);
    expect(w.calls.get).toBe(statusReads);

    // The end is announced: the status is read, and the follower ends with the run.
    w.setRun(runOf({ id: 1, status: 'ok', chunkCount: 2 }));
    w.hub.wake(1, 'end');
    expect(await again).toMatchObject({ value: { type: 'end', run: { status: 'ok' } } });
    expect(await nextWithin(follower)).toBe('done');
    expect(w.hub.waiting()).toBe(0);
  });

  it('an end heard while nobody waited is noticed after the next chunk, without another wait', async () => {
    const w = setup(runOf({ id: 1, status: 'running', chunkCount: 1 }), 1);
    const follower = w.service.follow(1, -1, undefined);
    await nextWithin(follower);
    const waiting = follower.next();
    expect(await isPending(waiting)).toBe(true);
    // The last chunk's announcement wakes the follower; the end was announced too, but
    // reached the listener while nobody waited.
    w.store(1, 1);
    w.setRun(runOf({ id: 1, status: 'ok', chunkCount: 2 }));
    w.hub.ended.add(1);
    w.hub.wake(1, 1);
    expect(await waiting).toMatchObject({ value: { type: 'chunk', seq: 1 } });
    expect(await nextWithin(follower)).toMatchObject({ type: 'end', run: { status: 'ok' } });
  });

  it('a wait that ends without news (a timeout) reads the status again', async () => {
    const w = setup(runOf({ id: 1, status: 'running', chunkCount: 0 }));
    const follower = w.service.follow(1, -1, undefined);
    const first = follower.next();
    expect(await isPending(first)).toBe(true);
    w.setRun(runOf({ id: 1, status: 'error', errorReason: 'canceled', chunkCount: 0 }));
    w.hub.wake(1, undefined);
    expect(await first).toMatchObject({ value: { type: 'end', run: { status: 'error' } } });
  });

  it('a long output is read page after page without waiting in between', async () => {
    const w = setup(runOf({ id: 1, status: 'ok', chunkCount: 150 }), 150);
    const events = await drain(w.service.follow(1, -1, undefined));
    expect(seqs(events)).toEqual([...Array.from({ length: 150 }, (_, i) => i), 'end:ok']);
    // Pages of 64 for a lone follower: 0-63, 64-127, 128-149.
    expect(w.calls.listMany.map((c) => c.limit)).toEqual([64, 64, 64]);
    expect(w.hub.waiting()).toBe(0);
  });

  it('followers woken together read their chunks in one statement', async () => {
    const w = setup(runOf({ id: 1, status: 'ok', chunkCount: 1 }), 1);
    w.setRun(runOf({ id: 2, status: 'ok', chunkCount: 1 }));
    w.store(2, 0);
    const [a, b] = await Promise.all([
      drain(w.service.follow(1, -1, undefined)),
      drain(w.service.follow(2, -1, undefined)),
    ]);
    expect(seqs(a)).toEqual([0, 'end:ok']);
    expect(seqs(b)).toEqual([0, 'end:ok']);
    expect(w.calls.listMany[0]?.runIds).toEqual([1, 2]);
  });

  it('an aborted follower stops waiting and ends', async () => {
    const w = setup(runOf({ id: 1, status: 'running', chunkCount: 0 }));
    const abort = new AbortController();
    const follower = w.service.follow(1, -1, abort.signal);
    const waiting = follower.next();
    expect(await isPending(waiting)).toBe(true);
    abort.abort();
    expect(await waiting).toEqual({ done: true, value: undefined });
    expect(w.hub.waiting()).toBe(0);
  });

  it('a follower whose session ends is cut off with UNAUTHORIZED while it waits', async () => {
    const w = setup(runOf({ id: 1, status: 'running', chunkCount: 1 }), 1);
    const valid = new Map([[1, 'operator' as const]]);
    const warned: unknown[] = [];
    const watch = new AccessWatch(
      memoryStore({
        sessions: { stillValid: () => Promise.resolve(new Map(valid)) },
        apiTokens: { stillValid: () => Promise.resolve(new Map()) },
      }),
      { warn: (...args: unknown[]) => warned.push(args) } as never,
      60_000,
    );
    const lease = watch.watch(identityOf('viewer', { sessionId: 1 }), 'viewer');
    // The request's signal, which the transport aborts once the stream is over.
    const request = new AbortController();
    const stream = endWith(w.service.follow(1, -1, request.signal), lease)[Symbol.asyncIterator]();
    expect(await nextWithin(stream)).toMatchObject({ type: 'chunk', seq: 0 });
    const waiting = stream.next();
    expect(await isPending(waiting)).toBe(true);

    await watch.check();
    expect(await isPending(waiting)).toBe(true);

    valid.delete(1); // the session ended
    await watch.check();
    const error = await waiting.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TRPCError);
    expect((error as TRPCError).code).toBe('UNAUTHORIZED');
    expect(watch.size).toBe(0);
    expect(warned).toEqual([]);
    // The request ends with the stream: the follower stops waiting for news.
    request.abort();
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(w.hub.waiting()).toBe(0);
  });
});

describe('RunsService.watch', () => {
  it('sends the run, again only when its status or counters change, and ends with it', async () => {
    const w = setup(runOf({ id: 1, status: 'pending' }));
    const watcher = w.service.watch(1, undefined);
    expect(await nextWithin(watcher)).toMatchObject({ status: 'pending' });
    const next = watcher.next();
    expect(await isPending(next)).toBe(true);
    // News without a change: nothing is sent.
    w.hub.wake(1, 'start');
    expect(await isPending(next)).toBe(true);
    w.setRun(runOf({ id: 1, status: 'running', updatedAt: '2026-01-01T00:00:01.000Z' }));
    w.hub.wake(1, 'start');
    expect(await next).toMatchObject({ value: { status: 'running' } });
    const last = watcher.next();
    w.setRun(runOf({ id: 1, status: 'ok', updatedAt: '2026-01-01T00:00:02.000Z' }));
    w.hub.wake(1, 'end');
    expect(await last).toMatchObject({ value: { status: 'ok' } });
    expect(await nextWithin(watcher)).toBe('done');
    expect(w.hub.waiting()).toBe(0);
  });

  it('an unknown run fails with NotFoundError', async () => {
    const w = setup(undefined);
    await expect(w.service.watch(3, undefined).next()).rejects.toThrow(NotFoundError);
  });
});

describe('RunsService.cancel', () => {
  it('a running run is asked to stop (its worker ends it) and the cancel is audited', async () => {
    const w = setup(runOf({ id: 1, status: 'running' }));
    const run = await w.service.cancel(identityOf('operator'), 1);
    expect(run.status).toBe('running');
    expect(w.canceled).toEqual([1]);
    expect(w.finished).toEqual([]);
    expect(w.audit).toMatchObject([
      { action: 'runs.cancel', targetType: 'run', targetId: '1', summary: { status: 'running' } },
    ]);
    expect(w.memory.outcomes).toEqual(['commit']);
  });

  it('a pending run ends as canceled, only if still pending, and leaves the queue', async () => {
    const w = setup(runOf({ id: 1, status: 'pending' }));
    const run = await w.service.cancel(identityOf('operator'), 1);
    expect(run).toMatchObject({ status: 'error', errorReason: 'canceled' });
    expect(w.finished).toEqual([{ id: 1, from: ['pending'] }]);
    expect(w.dropped).toEqual([[1]]);
    expect(w.canceled).toEqual([]);
    expect(w.audit).toMatchObject([{ action: 'runs.cancel', summary: { status: 'error' } }]);
  });

  it('an unknown run: NotFoundError, nothing audited, the transaction rolled back', async () => {
    const w = setup(undefined);
    await expect(w.service.cancel(identityOf('operator'), 4)).rejects.toThrow(NotFoundError);
    expect(w.audit).toEqual([]);
    expect(w.memory.outcomes).toEqual(['rollback']);
  });
});

describe('RunsService.create', () => {
  function withTemplate(template: Template, platform: Device['platform'] = 'linux') {
    const w = setup(undefined);
    w.repos.templates.get = (id) =>
      id === template.id
        ? Promise.resolve(template)
        : Promise.reject(new NotFoundError('template', id));
    w.repos.devices.get = (id) => Promise.resolve({ id, platform } as Device);
    return w;
  }

  it('a command is recorded and queued with its audit event in one statement', async () => {
    const w = setup(undefined);
    const run = await w.service.create(identityOf('operator'), {
      deviceId: 10,
      command: 'show clock',
    });
    expect(run.command).toBe('show clock');
    expect(w.created).toEqual([
      {
        record: {
          deviceId: 10,
          command: 'show clock',
          requestedBy: 7,
          requestedByEmail: 'operator@example.net',
        },
        options: {
          queue: true,
          audit: {
            actorId: 7,
            actorEmail: 'operator@example.net',
            action: 'runs.create',
            summary: { deviceId: 10, templateId: null, mode: 'read', command: 'show clock' },
          },
        },
      },
    ]);
  });

  it('runs asked for together are recorded in one statement', async () => {
    const w = setup(undefined);
    let batches = 0;
    w.repos.runs.createMany = (items) => {
      batches += 1;
      return Promise.resolve(items.map((c, i) => runOf({ id: 50 + i, ...c.record })));
    };
    const who = identityOf('operator');
    const runs = await Promise.all([
      w.service.create(who, { deviceId: 1, command: 'a' }),
      w.service.create(who, { deviceId: 2, command: 'b' }),
    ]);
    expect(runs.map((r) => [r.id, r.deviceId, r.command])).toEqual([
      [50, 1, 'a'],
      [51, 2, 'b'],
    ]);
    expect(batches).toBe(1);
    expect(w.created).toEqual([]);
  });

  it('a batch the database refused is recorded one by one, each caller getting its own answer', async () => {
    const w = setup(undefined);
    w.repos.runs.createMany = () => Promise.reject(new NotFoundError('device', 2));
    w.repos.runs.create = (record) =>
      record.deviceId === 2
        ? Promise.reject(new NotFoundError('device', 2))
        : Promise.resolve(runOf({ id: 60, ...record }));
    const who = identityOf('operator');
    const [good, bad] = await Promise.allSettled([
      w.service.create(who, { deviceId: 1, command: 'a' }),
      w.service.create(who, { deviceId: 2, command: 'b' }),
    ]);
    expect(good).toMatchObject({ status: 'fulfilled', value: { id: 60, deviceId: 1 } });
    expect(bad).toMatchObject({ status: 'rejected', reason: { kind: 'not_found' } });
  });

  it('a batch lost with the connection is not recorded again (it may exist)', async () => {
    const w = setup(undefined);
    w.repos.runs.createMany = () => Promise.reject(new Error('Connection terminated unexpectedly'));
    const who = identityOf('operator');
    const results = await Promise.allSettled([
      w.service.create(who, { deviceId: 1, command: 'a' }),
      w.service.create(who, { deviceId: 2, command: 'b' }),
    ]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(w.created).toEqual([]);
  });

  it('a template is rendered for the device platform and marks the run with its mode', async () => {
    const w = withTemplate(templateOf({ id: 3, mode: 'change' }), 'linux');
    await w.service.create(identityOf('operator'), {
      deviceId: 10,
      templateId: 3,
      variables: { msg: 'hello world' },
    });
    expect(w.created[0]?.record).toMatchObject({
      deviceId: 10,
      templateId: 3,
      mode: 'change',
      command: "echo 'hello world'",
    });
  });

  it('a disabled template is refused before anything is recorded', async () => {
    const w = withTemplate(templateOf({ id: 3, enabled: false }));
    await expect(
      w.service.create(identityOf('operator'), {
        deviceId: 10,
        templateId: 3,
        variables: { msg: 'x' },
      }),
    ).rejects.toThrow(InvalidStateError);
    expect(w.created).toEqual([]);
  });

  it("a value the device's platform refuses is a ValidationError naming the variable", async () => {
    const w = withTemplate(templateOf({ id: 3 }), 'cisco_ios');
    const refused = await w.service
      .create(identityOf('operator'), { deviceId: 10, templateId: 3, variables: { msg: 'a | b' } })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(refused).toBeInstanceOf(ValidationError);
    expect(Object.keys((refused as ValidationError).fieldErrors)).toEqual(['variables.msg']);
    expect(w.created).toEqual([]);
  });
});

describe('RunsService reads', () => {
  it('chunks and output of an unknown run are NotFoundError, not an empty answer', async () => {
    const w = setup(undefined);
    await expect(w.service.chunks({ runId: 8 })).rejects.toThrow(NotFoundError);
    await expect(w.service.output(8)).rejects.toThrow(NotFoundError);
  });

  it('chunks of a run default to the first 100 from the start', async () => {
    const w = setup(runOf({ id: 1 }));
    let asked: unknown[] = [];
    w.repos.chunks.list = (...args) => {
      asked = args;
      return Promise.resolve([]);
    };
    await w.service.chunks({ runId: 1 });
    expect(asked).toEqual([1, -1, 100]);
  });
});
