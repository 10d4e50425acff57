import { AuditEvent } from '@netauto/schema';
import { beforeAll, describe, expect, it } from 'vitest';
import { useTestDatabase } from '../../test/db.js';
import { NotFoundError, ValidationError } from '../errors.js';
import { MAX_SUMMARY_CHARS } from './audit.repo.js';

describe('audit repository', async () => {
  const { repos, make, db } = await useTestDatabase();
  const audit = repos.audit;

  it('records an event', async () => {
    const actor = await make.account({ email: 'auditor@example.net' });
    const event = await audit.record({
      actorId: actor.id,
      actorEmail: actor.email,
      action: 'devices.create',
      targetType: 'device',
      targetId: 42,
      summary: { hostname: 'r1', site: 'dc1' },
    });
    expect(AuditEvent.parse(event)).toEqual(event);
    expect(event).toMatchObject({
      actorId: actor.id,
      actorEmail: 'auditor@example.net',
      action: 'devices.create',
      targetType: 'device',
      targetId: '42',
      summary: { hostname: 'r1', site: 'dc1' },
    });
  });

  it('records what the system did, with no actor, target or summary', async () => {
    const event = await audit.record({
      actorId: null,
      actorEmail: null,
      action: 'retention.purge',
    });
    expect(event).toMatchObject({
      actorId: null,
      actorEmail: null,
      targetType: null,
      targetId: null,
      summary: {},
    });
  });

  it('redacts secret-looking fields at any depth', async () => {
    const event = await audit.record({
      actorId: null,
      actorEmail: null,
      action: 'credentials.set',
      summary: {
        name: 'LAB',
        password: 'hunter2',
        nested: { private_key: 'k', tokenHash: 'h', list: [{ passphrase: 'p', ok: 1 }] },
        tokenId: 7,
      },
    });
    expect(event.summary).toEqual({
      name: 'LAB',
      password: '[redacted]',
      nested: {
        private_key: '[redacted]',
        tokenHash: '[redacted]',
        list: [{ passphrase: '[redacted]', ok: 1 }],
      },
      tokenId: 7,
    });
  });

  it('keeps a huge summary from growing the table without bound', async () => {
    const event = await audit.record({
      actorId: null,
      actorEmail: null,
      action: 'devices.import',
      summary: { rows: 'x'.repeat(MAX_SUMMARY_CHARS * 2) },
    });
    expect(event.summary.truncated).toBe(true);
    expect(JSON.stringify(event.summary).length).toBeLessThan(2000);
  });

  it('refuses an empty action, a bad summary and a missing actor', async () => {
    await expect(audit.record({ actorId: null, actorEmail: null, action: ' ' })).rejects.toThrow(
      ValidationError,
    );
    await expect(
      audit.record({
        actorId: null,
        actorEmail: null,
        action: 'devices.create',
        summary: [] as never,
      }),
    ).rejects.toThrow(ValidationError);
    await expect(
      audit.record({ actorId: 959_595, actorEmail: 'gone@example.net', action: 'devices.create' }),
    ).rejects.toThrow(new NotFoundError('user', '959595'));
  });

  it('refuses an action whose readers nobody decided', async () => {
    const error = await audit
      .record({ actorId: null, actorEmail: null, action: 'schedules.create' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).fieldErrors).toEqual({
      action: ['not an action the audit log knows (each needs its readers decided)'],
    });
  });

  it("lists for a reader only its role's events, and its own sign-ins and tokens", async () => {
    const me = await make.account({ email: 'reader.audit@example.net' });
    const other = await make.account({ email: 'other.audit@example.net' });
    const from = (await audit.record({ actorId: null, actorEmail: null, action: 'runs.create' }))
      .createdAt;
    for (const actor of [me, other]) {
      for (const action of ['auth.login', 'tokens.create', 'users.create', 'devices.create']) {
        await audit.record({ actorId: actor.id, actorEmail: actor.email, action });
      }
    }
    await audit.record({ actorId: null, actorEmail: null, action: 'auth.login_failed' });
    const seen = async (role: 'viewer' | 'operator' | 'admin') =>
      (await audit.list({ from, limit: 100 }, { role, userId: me.id })).items
        .map((e) => `${e.action} ${e.actorEmail ?? 'system'}`)
        .sort();
    const forViewer = [
      'auth.login reader.audit@example.net',
      'devices.create other.audit@example.net',
      'devices.create reader.audit@example.net',
      'runs.create system',
      'tokens.create reader.audit@example.net',
    ];
    expect(await seen('viewer')).toEqual(forViewer);
    expect(await seen('operator')).toEqual(forViewer);
    expect(await seen('admin')).toHaveLength(10);
  });

  describe('list', () => {
    const SAME_INSTANT = '2000-01-01T00:00:00.123Z';
    const made: AuditEvent[] = [];
    let alice = { id: 0, email: '' };
    let bob = { id: 0, email: '' };

    beforeAll(async () => {
      await db.sequelize.query('DELETE FROM audit_events');
      alice = await make.account({ email: 'alice.audit@example.net' });
      bob = await make.account({ email: 'bob.audit@example.net' });
      for (let i = 0; i < 30; i++) {
        const by = i % 3 === 0 ? bob : alice;
        made.push(
          await audit.record({
            actorId: by.id,
            actorEmail: by.email,
            action: i % 2 ? 'devices.update' : 'runs.create',
            targetType: i % 2 ? 'device' : 'run',
            targetId: String(i % 4),
            summary: { i },
          }),
        );
      }
      // Event i happened i hours ago, except that events 10–14 share one instant (with
      // microseconds): the order among them, and pages cut inside them, rest on the id.
      await db.sequelize.query(
        `UPDATE audit_events SET created_at = CASE
           WHEN id - $1 BETWEEN 10 AND 14 THEN timestamptz '2000-01-01 00:00:00.123456+00'
           ELSE now() - make_interval(hours => id - $1) END`,
        { bind: [made[0]?.id ?? 0] },
      );
    });

    const ids = (page: { items: AuditEvent[] }) => page.items.map((e) => e.id);
    const newestFirst = (events: AuditEvent[]) =>
      events
        .map((e, i) => ({
          id: e.id,
          at: i >= 10 && i <= 14 ? Date.parse(SAME_INSTANT) : Date.now() - i * 3600_000,
        }))
        .sort((a, b) => b.at - a.at || b.id - a.id)
        .map((e) => e.id);

    async function all(input: Parameters<typeof audit.list>[0], limit: number) {
      const seen: number[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await audit.list({ ...input, limit, ...(cursor && { cursor }) });
        seen.push(...ids(page));
        cursor = page.nextCursor ?? undefined;
        pages += 1;
      } while (cursor && pages < 100);
      return seen;
    }

    it('returns newest first, and pages lose and repeat nothing', async () => {
      const expected = newestFirst(made);
      for (const limit of [1, 3, 4, 7, 30, 100]) {
        expect(await all({}, limit)).toEqual(expected);
      }
      const first = await audit.list({ limit: 30 });
      expect(first.nextCursor).toBeNull();
      expect(await audit.list()).toMatchObject({ nextCursor: null });
      expect((await audit.list()).items).toHaveLength(30);
    });

    it('filters on actor, action, target and time, across pages', async () => {
      const bobs = await all({ actorId: bob.id }, 4);
      expect(bobs).toEqual(
        newestFirst(made).filter((id) => made.find((e) => e.id === id)?.actorEmail === bob.email),
      );
      expect(bobs).toHaveLength(10);

      const updates = await all({ action: 'devices.update' }, 4);
      expect(updates).toHaveLength(15);
      expect(await all({ action: 'devices' }, 10)).toEqual([]);

      const target = await audit.list({ targetType: 'device', targetId: '1', limit: 100 });
      expect(target.items.map((e) => e.summary.i).sort((a, b) => Number(a) - Number(b))).toEqual([
        1, 5, 9, 13, 17, 21, 25, 29,
      ]);

      const from = new Date(Date.now() - 5.5 * 3600_000).toISOString();
      const recent = await audit.list({ from, limit: 100 });
      expect(ids(recent)).toEqual(made.slice(0, 6).map((e) => e.id));
      const older = await all({ to: from }, 7);
      expect(older).toHaveLength(24);
      const window = await audit.list({
        from: '2000-01-01T00:00:00.000Z',
        to: '2000-01-01T00:00:01.000Z',
        limit: 100,
      });
      expect(ids(window)).toEqual(
        made
          .slice(10, 15)
          .map((e) => e.id)
          .reverse(),
      );
      expect(
        ids(await audit.list({ actorId: alice.id, action: 'runs.create', limit: 100 })).length,
      ).toBe(made.filter((e, i) => e.actorId === alice.id && i % 2 === 0).length);
    });

    it('refuses a bad filter or cursor', async () => {
      await expect(audit.list({ limit: 0 })).rejects.toThrow(ValidationError);
      await expect(audit.list({ limit: 101 })).rejects.toThrow(ValidationError);
      await expect(audit.list({ from: 'yesterday' })).rejects.toThrow(ValidationError);
      await expect(audit.list({ actor: 1 } as never)).rejects.toThrow(ValidationError);
      await expect(audit.list({ cursor: 'not-a-cursor' })).rejects.toThrow(ValidationError);
      const forged = Buffer.from(JSON.stringify(['not a time', 1])).toString('base64url');
      await expect(audit.list({ cursor: forged })).rejects.toThrow(ValidationError);
    });
  });
});
