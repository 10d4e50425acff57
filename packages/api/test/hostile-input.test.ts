import { TRPCError } from '@trpc/server';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { procedures, useApi } from './api.js';

// Strings a caller might send to break something: SQL, template syntax, NUL bytes,
// control characters, path tricks, LIKE wildcards, huge text, odd Unicode.
const nasty = fc.oneof(
  fc.constantFrom(
    "'; DROP TABLE devices; --",
    "' OR 1=1 --",
    '{{ password }}',
    '{{constructor.constructor("return process")()}}',
    '${process.exit(1)}',
    '\u0000',
    'a\u0000b',
    '\r\nreload\r\n',
    '../../../etc/passwd',
    '%_%\\',
    '<script>alert(1)</script>',
    '\uD800',
    '🙂'.repeat(300),
    'x'.repeat(200_000),
    'NaN',
    '-1',
    '1e309',
    '10.0.0.0/99',
    'env:../../X',
    '__proto__',
  ),
  fc.string({ maxLength: 50 }),
  fc.string({ unit: 'binary', maxLength: 50 }),
);

const scalar = fc.oneof(
  nasty,
  fc.integer(),
  fc.constantFrom(0, -1, 2 ** 31, 2 ** 53, Number.MAX_SAFE_INTEGER, 1.5, -0),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
);

const { value: deepValue } = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    scalar,
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.oneof(nasty, fc.constant('__proto__')), tie('value'), { maxKeys: 4 }),
  ),
}));

/** Field names the procedures know, so that hostile values reach deeper than the first check. */
const KEYS = [
  'id',
  'deviceId',
  'groupId',
  'templateId',
  'runId',
  'userId',
  'hostname',
  'ip',
  'port',
  'protocol',
  'username',
  'credRef',
  'platform',
  'vendor',
  'model',
  'site',
  'tags',
  'metadata',
  'q',
  'cursor',
  'limit',
  'sort',
  'dir',
  'cidr',
  'name',
  'body',
  'mode',
  'variables',
  'enabled',
  'notes',
  'command',
  'patch',
  'email',
  'password',
  'role',
  'disabled',
  'devices',
  'afterSeq',
  'status',
  'from',
  'to',
  'currentPassword',
  'newPassword',
  'readOnly',
  'expiresInDays',
  'action',
  'targetType',
  'targetId',
  'target',
  'type',
  'deviceIds',
  'filter',
  'bulkId',
  'lastEventId',
  'includeCanceled',
  'devicesPerGroup',
  'groups',
];

const input = fc.oneof(
  fc.anything({ maxDepth: 3 }),
  deepValue,
  fc.dictionary(fc.constantFrom(...KEYS), deepValue, { maxKeys: 6 }),
  fc.dictionary(fc.constantFrom(...KEYS), scalar, { minKeys: 1, maxKeys: 8 }),
);

describe('hostile input to every procedure', async () => {
  const api = await useApi();
  const admin = await api.signedIn('admin');
  const device = await api.make.device();
  await api.make.run({ deviceId: device.id });
  // A bulk that is over, so that its procedures have something to find.
  const { bulk } = await api.repos.bulks.create({
    target: { type: 'devices', deviceIds: [device.id] },
    command: 'show clock',
  });
  await api.repos.bulks.cancel(bulk.id, 'canceled before the test');

  const TABLES = [
    'devices',
    'device_groups',
    'device_group_memberships',
    'command_templates',
    'runs',
    'run_chunks',
    'users',
    'api_tokens',
    'audit_events',
    'bulks',
  ];
  /** A fingerprint of every table's contents. */
  async function fingerprint(): Promise<string> {
    const rows = await api.db.rows<{ t: string; h: string | null }>(
      TABLES.map(
        (t) =>
          `SELECT '${t}' AS t, md5(coalesce(string_agg(x::text, '|' ORDER BY x::text), '')) AS h FROM ${t} x`,
      ).join(' UNION ALL '),
    );
    return rows.map((r) => `${r.t}:${r.h ?? ''}`).join(',');
  }

  async function call(path: string, arg: unknown): Promise<unknown> {
    let target: unknown = admin.caller;
    for (const part of path.split('.')) target = (target as Record<string, unknown>)[part];
    const result = await (target as (input: unknown) => Promise<unknown>)(arg);
    if (result && typeof result === 'object' && Symbol.asyncIterator in result) {
      // A subscription: take its first event, then stop it.
      const iterator = (result as AsyncIterable<unknown>)[Symbol.asyncIterator]();
      try {
        await iterator.next();
      } finally {
        await iterator.return?.();
      }
    }
    return result;
  }

  // Logging out would end the session the other calls use.
  const targets = procedures.map(([path]) => path).filter((p) => p !== 'auth.logout');

  it.each(targets)(
    '%s answers 4xx, never 500, and a refused call changes nothing',
    async (path) => {
      await fc.assert(
        fc.asyncProperty(input, async (arg) => {
          const before = await fingerprint();
          try {
            await call(path, arg);
            return;
          } catch (error) {
            expect(error, `${path} threw something that is not a TRPCError`).toBeInstanceOf(
              TRPCError,
            );
            const e = error as TRPCError;
            expect(
              e.code,
              `${path}(${arg === undefined ? 'undefined' : JSON.stringify(arg).slice(0, 300)}) -> ${e.message}`,
            ).not.toBe('INTERNAL_SERVER_ERROR');
          }
          // Failed sign-ins are recorded on purpose (throttling and audit); nothing else may change.
          if (path !== 'auth.login') expect(await fingerprint()).toBe(before);
        }),
        { numRuns: 40, seed: 20261129 },
      );
    },
  );
});
