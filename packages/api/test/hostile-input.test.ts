import type { AddressInfo } from 'node:net';
import { TRPCError } from '@trpc/server';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { createApiServer } from '../src/http.js';
import { PASSWORD, procedures, useApi } from './api.js';
import { errorOf, fieldErrorsOf } from './refusals.js';

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

/** An object nested `depth` deep, built without recursion. */
function nested(depth: number): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  let current = root;
  for (let i = 1; i < depth; i++) {
    const next: Record<string, unknown> = {};
    current.a = next;
    current = next;
  }
  return root;
}

describe('garbage is refused at the API, naming the field, before anything is kept', async () => {
  const api = await useApi();
  const admin = await api.signedIn('admin');
  const op = await api.signedIn('operator');
  const device = await api.make.device({ platform: 'cisco_ios' });
  const template = await op.caller.templates.create({
    name: 'mtu',
    body: 'interface Gi0/1\n mtu {{n}}',
    variables: { n: { type: 'integer' } },
  });

  /** What a refused call must leave as it was: rows, audit events and queued jobs. */
  async function state(): Promise<string> {
    const rows = await api.db.rows<{ t: string; n: string }>(
      `SELECT 'runs' AS t, count(*)::text AS n FROM runs
       UNION ALL SELECT 'bulks', count(*)::text FROM bulks
       UNION ALL SELECT 'templates', count(*)::text FROM command_templates
       UNION ALL SELECT 'devices', count(*)::text FROM devices
       UNION ALL SELECT 'groups', count(*)::text FROM device_groups
       UNION ALL SELECT 'credentials', count(*)::text FROM credentials
       UNION ALL SELECT 'audit', count(*)::text FROM audit_events
       UNION ALL SELECT 'jobs', count(*)::text FROM graphile_worker.jobs`,
    );
    return rows.map((r) => `${r.t}=${r.n}`).join(' ');
  }

  async function refused(
    call: () => Promise<unknown>,
    field: string,
    message: string | RegExp,
  ): Promise<TRPCError> {
    const before = await state();
    const error = await errorOf(call());
    expect(error.code).toBe('BAD_REQUEST');
    const fields = fieldErrorsOf(error);
    expect(Object.keys(fields)).toEqual([field]);
    expect(fields[field]?.[0]).toMatch(message);
    expect(await state()).toBe(before);
    return error;
  }

  const garbage: [string, string, string][] = [
    [
      'a carriage return',
      'show clock\rreload',
      'must not contain control characters (found U+000D at position 11)',
    ],
    ['DEL', 'show\u007fclock', 'must not contain control characters (found U+007F at position 5)'],
    [
      'ESC',
      'show\u001b[2Jclock',
      'must not contain control characters (found U+001B at position 5)',
    ],
    ['only spaces', '    ', 'must not be blank'],
    ['only a newline', '\n', 'must not be blank'],
    [
      'a lone surrogate',
      'show \uD800',
      'must be valid Unicode text (found a lone surrogate U+D800 at position 6)',
    ],
  ];

  it.each(garbage)(
    'a command with %s is not run, audited or queued',
    async (_what, command, message) => {
      await refused(
        () => op.caller.runs.create({ deviceId: device.id, command }),
        'command',
        `command ${message}`,
      );
      await refused(
        () =>
          op.caller.bulks.create({ target: { type: 'devices', deviceIds: [device.id] }, command }),
        'command',
        `command ${message}`,
      );
    },
  );

  it.each(garbage)('a template body with %s is not saved', async (_what, body, message) => {
    await refused(
      () => op.caller.templates.create({ name: 'garbage', body }),
      'body',
      `body ${message}`,
    );
    await refused(
      () => op.caller.templates.update({ id: template.id, patch: { body } }),
      'patch.body',
      `body ${message}`,
    );
  });

  it('refuses control characters and lone surrogates in inventory text', async () => {
    const good = { hostname: 'hostile-r1', ip: '192.0.2.10', username: 'u', credRef: 'LAB' };
    await refused(
      () => op.caller.devices.create({ ...good, site: 'dc\u001b1' }),
      'site',
      'site must not contain control characters (found U+001B at position 3)',
    );
    await refused(
      () => op.caller.devices.create({ ...good, site: 'dc\uD8001' }),
      'site',
      'site must be valid Unicode text (found a lone surrogate U+D800 at position 3)',
    );
    await refused(
      () => op.caller.devices.create({ ...good, tags: { role: 'core\u0007' } }),
      'tags.role',
      'tag value must not contain control characters (found U+0007 at position 5)',
    );
    await refused(
      () => op.caller.devices.update({ id: device.id, patch: { vendor: 'Cis\u0085co' } }),
      'patch.vendor',
      'vendor must not contain control characters (found U+0085 at position 4)',
    );
    await refused(
      () => op.caller.groups.create({ name: 'g', description: 'a\uDC00' }),
      'description',
      'description must be valid Unicode text (found a lone surrogate U+DC00 at position 2)',
    );
    await refused(
      () => op.caller.templates.create({ name: 'n', body: 'show clock', notes: 'x\u001b' }),
      'notes',
      'notes must not contain control characters (found U+001B at position 2)',
    );
  });

  it('refuses credential secrets with NUL or line breaks, without telling the secret back', async () => {
    for (const [field, secret] of [
      ['password', 'hunter\u00002'],
      ['password', 'hunter2\n'],
      ['enableSecret', 'en\r\nable'],
    ] as const) {
      const error = await refused(
        () =>
          admin.caller.admin.credentials.set({
            name: 'lab',
            password: 'fine-password',
            scope: { cidrs: ['10.0.0.0/8'] },
            [field]: secret,
          }),
        field,
        /must not contain control characters or line breaks$/,
      );
      expect(
        JSON.stringify({ message: error.message, fields: fieldErrorsOf(error) }),
      ).not.toContain(secret);
    }
  });

  it('refuses an integer variable that is not written plainly (1e21 is not 1e+21)', async () => {
    for (const n of [1e21, '1e21', 2 ** 53]) {
      await refused(
        () => op.caller.templates.render({ templateId: template.id, variables: { n } }),
        'variables.n',
        /^n must be a whole number/,
      );
      await refused(
        () =>
          op.caller.runs.create({ deviceId: device.id, templateId: template.id, variables: { n } }),
        'variables.n',
        /^n must be a whole number/,
      );
    }
    expect(
      await op.caller.templates.render({ templateId: template.id, variables: { n: 9000 } }),
    ).toMatchObject({ command: 'interface Gi0/1\n mtu 9000' });
  });

  it('refuses metadata nested 5,000 deep with a message naming the field, never a 500', async () => {
    const deep = nested(5000);
    const good = { hostname: 'deep-r1', ip: '192.0.2.11', username: 'u', credRef: 'LAB' };
    const message = 'metadata must be nested at most 32 deep';
    await refused(() => op.caller.devices.create({ ...good, metadata: deep }), 'metadata', message);
    await refused(
      () => op.caller.devices.update({ id: device.id, patch: { metadata: deep } }),
      'patch.metadata',
      message,
    );
    await refused(
      () => op.caller.groups.create({ name: 'deep', metadata: deep }),
      'metadata',
      message,
    );
    await refused(
      () => op.caller.devices.import({ devices: [{ ...good, metadata: deep }] }),
      'rows.0.metadata',
      message,
    );
  });

  it('refuses a pattern the linear-time matcher cannot run when the template is saved', async () => {
    await refused(
      () =>
        op.caller.templates.create({
          name: 'backref',
          body: 'show {{x}}',
          variables: { x: { pattern: '(a)\\1' } },
        }),
      'variables.x.pattern',
      /^pattern uses syntax that NetAuto's linear-time matcher does not support/,
    );
    await refused(
      () =>
        op.caller.templates.update({
          id: template.id,
          patch: { variables: { n: { type: 'integer', pattern: '(?=1)\\d+' } } },
        }),
      'patch.variables.n.pattern',
      /back-references and look-arounds are not available$/,
    );
  });
});

describe('a value nested 5,000 deep in any field of any procedure', async () => {
  const api = await useApi();
  const admin = await api.signedIn('admin');
  const deep = nested(5000);
  const everywhere = Object.fromEntries(KEYS.map((k) => [k, deep]));
  const shapes: unknown[] = [
    deep,
    everywhere,
    { ...everywhere, patch: everywhere },
    { id: 1, patch: everywhere },
    { target: { type: 'filter', filter: everywhere }, command: 'x' },
    { devices: [everywhere] },
    { templateId: 1, variables: everywhere },
  ];
  const targets = procedures.map(([path]) => path).filter((p) => p !== 'auth.logout');

  it.each(targets)('%s answers with a 4xx', async (path) => {
    let target: unknown = admin.caller;
    for (const part of path.split('.')) target = (target as Record<string, unknown>)[part];
    for (const arg of shapes) {
      try {
        const result = await (target as (input: unknown) => Promise<unknown>)(arg);
        if (result && typeof result === 'object' && Symbol.asyncIterator in result) {
          await (result as AsyncIterable<unknown>)[Symbol.asyncIterator]().return?.();
        }
      } catch (error) {
        expect(error).toBeInstanceOf(TRPCError);
        expect((error as TRPCError).code, `${path}: ${(error as Error).message}`).not.toBe(
          'INTERNAL_SERVER_ERROR',
        );
      }
    }
  });
});

describe('a hostile value against a nested-quantifier pattern, over HTTP', async () => {
  const api = await useApi();
  const op = await api.signedIn('operator');
  await api.services.users.create(null, {
    email: 'redos-viewer@example.net',
    password: PASSWORD,
    role: 'viewer',
  });
  const template = await op.caller.templates.create({
    name: 'redos',
    body: 'show interface {{v}}',
    variables: { v: { pattern: '(a+)+' } },
  });
  const server = createApiServer(api.services);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  afterAll(() => new Promise((resolve) => server.close(resolve)));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  it('renders in milliseconds, and /healthz answers meanwhile', async () => {
    const login = await fetch(`${base}/api/trpc/auth.login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'redos-viewer@example.net', password: PASSWORD }),
    });
    const cookie = login.headers.get('set-cookie')?.split(';')[0] ?? '';
    // 1,023 characters that almost match, then one that does not: 2^1023 paths to a
    // backtracking engine (it took 8 s at 30 characters, doubling with each one).
    const hostile = `${'a'.repeat(1023)}!`;
    const input = encodeURIComponent(
      JSON.stringify({ templateId: template.id, variables: { v: hostile } }),
    );
    const started = performance.now();
    const [render, health] = await Promise.all([
      fetch(`${base}/api/trpc/templates.render?input=${input}`, { headers: { cookie } }),
      fetch(`${base}/healthz`),
    ]);
    const body = (await render.json()) as {
      error: { data: { code: string; fieldErrors: Record<string, string[]> } };
    };
    const ms = performance.now() - started;
    console.log(
      `templates.render of ${hostile.length} hostile characters against (a+)+: ${ms.toFixed(1)} ms over HTTP`,
    );
    expect(render.status).toBe(400);
    expect(body.error.data.code).toBe('BAD_REQUEST');
    expect(body.error.data.fieldErrors).toEqual({
      'variables.v': ['v does not match the pattern (a+)+'],
    });
    expect(health.status).toBe(200);
    // A generous bound: the backtracking engine would not finish in the age of the universe.
    expect(ms).toBeLessThan(1000);
  });
});
