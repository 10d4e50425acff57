// The branching of bulk runs, on repositories in memory: what a bulk is created with
// (a command, a template rendered per platform, a disabled template, the size cap, an
// empty target), retrying the failed, cancelling, and following progress with its
// counts. What PostgreSQL stores is tested in test/bulks.test.ts.
import {
  InvalidStateError,
  NotFoundError,
  ValidationError,
  type ProgressCursor,
} from '@netauto/db';
import type { Bulk, BulkProgressEvent, Platform, RunStatus } from '@netauto/schema';
import { describe, expect, it } from 'vitest';
import {
  auditLog,
  bulkOf,
  drain,
  identityOf,
  isPending,
  ManualHub,
  memoryStore,
  nextWithin,
  templateOf,
} from '../../test/fakes.js';
import {
  BulksService,
  formatProgressId,
  parseProgressId,
  type BulksRepos,
} from './bulks.service.js';

const notUsed = () => Promise.reject(new Error('not expected in this test'));

interface Change {
  xid: string;
  runId: number;
  status: RunStatus;
}

function setup(options: { maxDevices?: number; platforms?: Platform[] } = {}) {
  let bulk: Bulk = bulkOf();
  const changes: Change[] = [];
  const created: unknown[] = [];
  const audit = auditLog();
  const info: unknown[] = [];
  const retried: unknown[] = [];
  const canceled: unknown[] = [];
  let hidden = 0;
  const after = (c: Change, cursor: ProgressCursor) =>
    BigInt(c.xid) > BigInt(cursor.xid) || (c.xid === cursor.xid && c.runId > cursor.runId);
  const repos: BulksRepos = {
    bulks: {
      create: (record) => {
        created.push(record);
        return Promise.resolve({ bulk, runs: bulk.total });
      },
      platformsOf: () => Promise.resolve(options.platforms ?? ['linux']),
      get: (id) =>
        id === bulk.id ? Promise.resolve(bulk) : Promise.reject(new NotFoundError('bulk', id)),
      list: notUsed,
      hashOutputs: notUsed,
      reasons: notUsed,
      outputGroups: notUsed,
      retryFailed: (id, o) => {
        retried.push({ id, ...o });
        return Promise.resolve(3);
      },
      cancel: (id, message) => {
        canceled.push({ id, message });
        return Promise.resolve({ canceledPending: 2, stopping: 1 });
      },
      progress: (_id, cursor, limit = 500) =>
        Promise.resolve(
          changes
            .slice(0, changes.length - hidden)
            .filter((c) => after(c, cursor))
            .slice(0, limit)
            .map((c) => ({
              xid: c.xid,
              runId: c.runId,
              deviceId: c.runId + 100,
              hostname: `h${c.runId}`,
              status: c.status,
              errorReason: null,
            })),
        ),
      changedAfter: (_id, cursor) => Promise.resolve(changes.some((c) => after(c, cursor))),
    },
    templates: { get: notUsed },
    audit: audit.repo,
  };
  const memory = memoryStore(repos);
  const hub = new ManualHub<undefined>();
  const service = new BulksService(
    memory,
    hub,
    { info: (...args: unknown[]) => info.push(args) } as never,
    options.maxDevices,
  );
  return {
    service,
    repos,
    memory,
    hub,
    created,
    audit: audit.events,
    info,
    retried,
    canceled,
    changes,
    setBulk: (b: Partial<Bulk>) => (bulk = { ...bulk, ...b }),
    /** The last `n` changes are committed but not yet readable in order. */
    hide: (n: number) => (hidden = n),
  };
}

const who = identityOf('operator');
const group = { type: 'group', groupId: 1 } as const;

describe('BulksService.create', () => {
  it('a command: the bulk is recorded with it, audited with its total, and logged', async () => {
    const w = setup();
    w.setBulk({ total: 2 });
    const bulk = await w.service.create(who, { target: group, command: 'show clock' });
    expect(bulk.id).toBe(5);
    expect(w.created).toEqual([
      {
        target: group,
        command: 'show clock',
        templateId: null,
        mode: 'read',
        requestedBy: 7,
        requestedByEmail: 'operator@example.net',
      },
    ]);
    expect(w.audit).toMatchObject([
      { action: 'bulks.create', targetType: 'bulk', targetId: '5', summary: { total: 2 } },
    ]);
    expect(w.memory.outcomes).toEqual(['commit']);
    expect(w.info).toHaveLength(1);
  });

  it('a target past the cap is refused inside the transaction, which rolls back', async () => {
    const w = setup({ maxDevices: 3 });
    w.setBulk({ total: 4 });
    const refused = w.service.create(who, { target: group, command: 'show clock' });
    await expect(refused).rejects.toThrow(ValidationError);
    await expect(refused).rejects.toThrow('the target matches 4 devices; a bulk takes at most 3');
    expect(w.memory.outcomes).toEqual(['rollback']);
    expect(w.audit).toEqual([]);
  });

  it('exactly the cap is accepted', async () => {
    const w = setup({ maxDevices: 3 });
    w.setBulk({ total: 3 });
    await expect(w.service.create(who, { target: group, command: 'x' })).resolves.toMatchObject({
      total: 3,
    });
  });

  it('a target matching no device: the refusal reaches the caller and nothing is audited', async () => {
    const w = setup();
    w.repos.bulks.create = () =>
      Promise.reject(
        new ValidationError('the target matches no device', { target: ['matches no device'] }),
      );
    await expect(w.service.create(who, { target: group, command: 'x' })).rejects.toThrow(
      'the target matches no device',
    );
    expect(w.audit).toEqual([]);
    expect(w.info).toEqual([]);
  });

  it('a template rendering alike everywhere gives one command, and a change template says so', async () => {
    const w = setup();
    let platformsAsked = 0;
    w.repos.bulks.platformsOf = () => {
      platformsAsked += 1;
      return Promise.resolve(['linux']);
    };
    w.repos.templates.get = () => Promise.resolve(templateOf({ id: 3, mode: 'change' }));
    await w.service.create(who, { target: group, templateId: 3, variables: { msg: 'hello' } });
    expect(w.created[0]).toMatchObject({ command: 'echo hello', templateId: 3, mode: 'change' });
    expect(platformsAsked).toBe(0);
  });

  it("a template rendering differently per platform gives each of the target's platforms its command", async () => {
    const w = setup({ platforms: ['cisco_ios', 'linux'] });
    w.repos.templates.get = () => Promise.resolve(templateOf({ id: 3 }));
    await w.service.create(who, { target: group, templateId: 3, variables: { msg: 'a b' } });
    expect(w.created[0]).toMatchObject({
      commands: { cisco_ios: 'echo a b', linux: "echo 'a b'" },
      templateId: 3,
    });
    expect(w.created[0]).not.toHaveProperty('command');
  });

  it('when the target holds one platform only, its one command is the bulk command', async () => {
    const w = setup({ platforms: ['linux'] });
    w.repos.templates.get = () => Promise.resolve(templateOf({ id: 3 }));
    await w.service.create(who, { target: group, templateId: 3, variables: { msg: 'a b' } });
    expect(w.created[0]).toMatchObject({ command: "echo 'a b'" });
  });

  it("a value one of the target's platforms refuses is refused for the whole bulk, told once", async () => {
    const w = setup({ platforms: ['cisco_ios', 'cisco_nxos', 'linux'] });
    w.repos.templates.get = () => Promise.resolve(templateOf({ id: 3 }));
    const error = await w.service
      .create(who, { target: group, templateId: 3, variables: { msg: 'a|b' } })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(error).toBeInstanceOf(ValidationError);
    const fields = (error as ValidationError).fieldErrors;
    expect(Object.keys(fields)).toEqual(['variables.msg']);
    expect(fields['variables.msg']).toHaveLength(2); // one message per CLI platform name
    expect(w.created).toEqual([]);
  });

  it('a disabled template is refused before the bulk is recorded', async () => {
    const w = setup();
    w.repos.templates.get = () => Promise.resolve(templateOf({ id: 3, enabled: false }));
    await expect(
      w.service.create(who, { target: group, templateId: 3, variables: { msg: 'x' } }),
    ).rejects.toThrow(InvalidStateError);
    expect(w.created).toEqual([]);
  });
});

describe('BulksService.retryFailed and cancel', () => {
  it('retries the failed (canceled ones only when asked), audited, with the bulk as it is now', async () => {
    const w = setup();
    const result = await w.service.retryFailed(who, { id: 5 });
    expect(result).toMatchObject({ runs: 3, bulk: { id: 5 } });
    expect(w.retried).toEqual([
      { id: 5, includeCanceled: false, requestedBy: 7, requestedByEmail: 'operator@example.net' },
    ]);
    await w.service.retryFailed(who, { id: 5, includeCanceled: true });
    expect(w.retried[1]).toMatchObject({ includeCanceled: true });
    expect(w.audit.map((e) => [e.action, e.summary])).toEqual([
      ['bulks.retryFailed', { runs: 3, includeCanceled: false }],
      ['bulks.retryFailed', { runs: 3, includeCanceled: true }],
    ]);
  });

  it('does not retry a bulk whose template was disabled since', async () => {
    const w = setup();
    w.setBulk({ templateId: 3 });
    w.repos.templates.get = () => Promise.resolve(templateOf({ id: 3, enabled: false }));
    await expect(w.service.retryFailed(who, { id: 5 })).rejects.toThrow(InvalidStateError);
    expect(w.retried).toEqual([]);
    expect(w.audit).toEqual([]);
  });

  it('an unknown bulk is NotFoundError for retry and progress', async () => {
    const w = setup();
    await expect(w.service.retryFailed(who, { id: 9 })).rejects.toThrow(NotFoundError);
    await expect(w.service.follow(9, null, undefined).next()).rejects.toThrow(NotFoundError);
  });

  it('cancel ends the pending and stops the running, naming who, audited with the counts', async () => {
    const w = setup();
    const result = await w.service.cancel(who, 5);
    expect(result).toMatchObject({ bulk: { id: 5 }, canceledPending: 2, stopping: 1 });
    expect(w.canceled).toEqual([
      { id: 5, message: 'canceled with its bulk by operator@example.net' },
    ]);
    expect(w.audit).toMatchObject([
      { action: 'bulks.cancel', summary: { canceledPending: 2, stopping: 1 } },
    ]);
  });
});

describe('bulk progress ids', () => {
  it('round-trip, and anything malformed or out of range starts from the beginning', () => {
    expect(parseProgressId(formatProgressId({ xid: '812', runId: 4 }))).toEqual({
      xid: '812',
      runId: 4,
    });
    for (const bad of [null, undefined, '', '12', '1.x', 'a.1', '1.2147483648', '1.2.3']) {
      expect(parseProgressId(bad)).toBeUndefined();
    }
    expect(parseProgressId('1.2147483647')).toEqual({ xid: '1', runId: 2147483647 });
  });
});

const kinds = (events: { event: BulkProgressEvent }[]) =>
  events.map(({ event: e }) =>
    e.type === 'device' ? `${e.runId}:${e.status}` : `counts:${e.counts.ok}/${e.total}:${e.done}`,
  );

describe('BulksService.follow', () => {
  it('a finished bulk: every change in commit order, then the counts, and the end', async () => {
    const w = setup();
    w.changes.push({ xid: '10', runId: 1, status: 'ok' }, { xid: '10', runId: 2, status: 'ok' });
    w.setBulk({ counts: { pending: 0, running: 0, ok: 2, error: 0 }, done: true });
    const events = await drain(w.service.follow(5, null, undefined));
    expect(kinds(events)).toEqual(['1:ok', '2:ok', 'counts:2/2:true']);
    expect(events.map((e) => e.id)).toEqual(['10.1', '10.2', '10.2']);
    expect(w.hub.waiting()).toBe(0);
  });

  it('resumes after the last event id it is given, repeating nothing', async () => {
    const w = setup();
    w.changes.push({ xid: '10', runId: 1, status: 'ok' }, { xid: '11', runId: 2, status: 'ok' });
    w.setBulk({ counts: { pending: 0, running: 0, ok: 2, error: 0 }, done: true });
    expect(kinds(await drain(w.service.follow(5, '10.1', undefined)))).toEqual([
      '2:ok',
      'counts:2/2:true',
    ]);
    // A malformed id starts from the beginning.
    expect(kinds(await drain(w.service.follow(5, 'junk', undefined)))).toEqual([
      '1:ok',
      '2:ok',
      'counts:2/2:true',
    ]);
  });

  it('a running bulk: counts at the start, waits, and sends each batch of changes with new counts', async () => {
    const w = setup();
    const follower = w.service.follow(5, null, undefined);
    expect(kinds([(await nextWithin(follower)) as never])).toEqual(['counts:0/2:false']);
    const next = follower.next();
    expect(await isPending(next)).toBe(true);
    expect(w.hub.waiting(5)).toBe(1);

    w.changes.push({ xid: '20', runId: 1, status: 'ok' });
    w.setBulk({ counts: { pending: 1, running: 0, ok: 1, error: 0 } });
    w.hub.wake(5);
    expect(kinds([(await next).value as never])).toEqual(['1:ok']);
    expect(kinds([(await nextWithin(follower)) as never])).toEqual(['counts:1/2:false']);

    const last = follower.next();
    expect(await isPending(last)).toBe(true);
    w.changes.push({ xid: '21', runId: 2, status: 'error' });
    w.setBulk({ counts: { pending: 0, running: 0, ok: 1, error: 1 }, done: true });
    w.hub.wake(5);
    expect(kinds([(await last).value as never])).toEqual(['2:error']);
    expect(kinds(await drain(follower))).toEqual(['counts:1/2:true']);
    expect(w.hub.waiting()).toBe(0);
  });

  it('changes committed but not yet readable in order are waited for, not skipped', async () => {
    const w = setup();
    w.changes.push({ xid: '30', runId: 1, status: 'ok' }, { xid: '31', runId: 2, status: 'ok' });
    w.setBulk({ counts: { pending: 0, running: 0, ok: 2, error: 0 }, done: true });
    w.hide(1);
    const follower = w.service.follow(5, null, undefined);
    expect(kinds([(await nextWithin(follower)) as never])).toEqual(['1:ok']);
    // The older transaction holding run 2 back commits: the follower reads it on its own,
    // without an announcement.
    const next = follower.next();
    w.hide(0);
    expect(kinds([(await next).value as never])).toEqual(['2:ok']);
    expect(kinds(await drain(follower))).toEqual(['counts:2/2:true']);
    expect(w.hub.asked).toBeGreaterThan(0);
  });

  it('once the bulk is seen done, one more pass sends what was committed meanwhile', async () => {
    const w = setup();
    w.changes.push({ xid: '50', runId: 1, status: 'ok' });
    w.setBulk({ counts: { pending: 0, running: 0, ok: 2, error: 0 }, done: true });
    const get = w.repos.bulks.get;
    let reads = 0;
    w.repos.bulks.get = (id) => {
      reads += 1;
      // Run 2's change commits right after the counts that say done were read.
      if (reads === 2) w.changes.push({ xid: '51', runId: 2, status: 'ok' });
      return get(id);
    };
    expect(kinds(await drain(w.service.follow(5, null, undefined)))).toEqual([
      '1:ok',
      'counts:2/2:true',
      '2:ok',
      'counts:2/2:true',
    ]);
  });

  it('more than a page of changes is read page after page before the counts', async () => {
    const w = setup();
    for (let i = 1; i <= 1200; i++) w.changes.push({ xid: '40', runId: i, status: 'ok' });
    w.setBulk({ total: 1200, counts: { pending: 0, running: 0, ok: 1200, error: 0 }, done: true });
    const events = await drain(w.service.follow(5, null, undefined));
    expect(events).toHaveLength(1201);
    expect(kinds(events.slice(-2))).toEqual(['1200:ok', 'counts:1200/1200:true']);
  });
});
