import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import {
  AuditListInput,
  BulkCreateInput,
  ChangePasswordInput,
  Command,
  CredentialSet,
  DeviceCreate,
  DeviceListInput,
  Email,
  GroupCreate,
  HostKeyRef,
  Metadata,
  RunCreateInput,
  Tags,
  TemplateBody,
  TemplateCreate,
  TokenCreateInput,
  UserCreateInput,
} from './index.js';

/** The messages of a failed parse, by field path. */
function problems(schema: z.ZodType, input: unknown): Record<string, string[]> {
  const parsed = schema.safeParse(input);
  const out: Record<string, string[]> = {};
  for (const issue of parsed.error?.issues ?? []) {
    (out[issue.path.map(String).join('.')] ??= []).push(issue.message);
  }
  return out;
}

/** An object nested `depth` deep: {a: {a: ... {}}}. */
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

/** An array nested `depth` deep: [[[...]]]. */
function nestedArray(depth: number): unknown[] {
  const root: unknown[] = [];
  let current = root;
  for (let i = 1; i < depth; i++) {
    const next: unknown[] = [];
    current.push(next);
    current = next;
  }
  return root;
}

const device = { hostname: 'r1', ip: '192.0.2.1', username: 'u', credRef: 'LAB' };

describe('commands and template bodies', () => {
  it.each([
    ['a carriage return', 'show clock\rreload', 'U+000D at position 11'],
    ['DEL', 'show\u007f clock', 'U+007F at position 5'],
    ['an escape sequence', 'show\u001b[2J', 'U+001B at position 5'],
    ['a tab (completion on a CLI)', 'show\tclock', 'U+0009 at position 5'],
    ['a C1 control', 'show \u009bclock', 'U+009B at position 6'],
  ])('refuses a command with %s, saying what and where', (_what, command, where) => {
    expect(problems(Command, command)).toEqual({
      '': [`command must not contain control characters (found ${where})`],
    });
    expect(problems(TemplateBody, command)).toEqual({
      '': [`body must not contain control characters (found ${where})`],
    });
  });

  it.each([' ', '   ', '\n', ' \n \n'])('refuses a blank command %j', (command) => {
    expect(problems(Command, command)).toEqual({ '': ['command must not be blank'] });
    expect(problems(TemplateBody, command)).toEqual({ '': ['body must not be blank'] });
  });

  it('refuses a lone surrogate instead of storing U+FFFD', () => {
    expect(problems(Command, 'show \uD800 clock')).toEqual({
      '': ['command must be valid Unicode text (found a lone surrogate U+D800 at position 6)'],
    });
    expect(problems(Command, 'x\uDC00')).toEqual({
      '': ['command must be valid Unicode text (found a lone surrogate U+DC00 at position 2)'],
    });
  });

  it('counts positions in characters, not UTF-16 units', () => {
    expect(problems(Command, '🙂🙂\u001b')).toEqual({
      '': ['command must not contain control characters (found U+001B at position 3)'],
    });
  });

  it('accepts multi-line commands, paired surrogates and ordinary Unicode', () => {
    expect(Command.safeParse('conf t\n interface Gi0/1\n description 🙂 Köln\nend\n').success).toBe(
      true,
    );
    expect(TemplateBody.safeParse('show run | include {{x}}').success).toBe(true);
  });

  it('names the field through the inputs that carry a command or a body', () => {
    expect(problems(RunCreateInput, { deviceId: 1, command: 'show\u001b' })).toEqual({
      command: ['command must not contain control characters (found U+001B at position 5)'],
    });
    expect(
      problems(BulkCreateInput, {
        target: { type: 'devices', deviceIds: [1] },
        command: '\n',
      }),
    ).toEqual({ command: ['command must not be blank'] });
    expect(problems(TemplateCreate, { name: 't', body: 'show\rclock' })).toEqual({
      body: ['body must not contain control characters (found U+000D at position 5)'],
    });
  });
});

describe('free-text fields', () => {
  it.each<[string, z.ZodType, Record<string, unknown>, string, string]>([
    ['site', DeviceCreate, { ...device, site: 'dc\u001b1' }, 'site', 'U+001B at position 3'],
    [
      'vendor',
      DeviceCreate,
      { ...device, vendor: 'cis\u0085co' },
      'vendor',
      'U+0085 at position 4',
    ],
    [
      'username',
      DeviceCreate,
      { ...device, username: 'ad\u007fmin' },
      'username',
      'U+007F at position 3',
    ],
    [
      'tag value',
      DeviceCreate,
      { ...device, tags: { role: 'co\u001bre' } },
      'tags.role',
      'U+001B at position 3',
    ],
    ['group name', GroupCreate, { name: 'core\r' }, 'name', 'U+000D at position 5'],
    [
      'group description',
      GroupCreate,
      { name: 'g', description: 'a\u001bb' },
      'description',
      'U+001B at position 2',
    ],
    [
      'template notes',
      TemplateCreate,
      { name: 't', body: 'x', notes: 'n\u0007' },
      'notes',
      'U+0007 at position 2',
    ],
    ['token name', TokenCreateInput, { name: 'ci\u0000' }, 'name', 'U+0000 at position 3'],
    ['host', HostKeyRef, { host: 'r1\u001b', port: 22 }, 'host', 'U+001B at position 3'],
    ['search text', DeviceListInput, { q: 'r1\u001b' }, 'q', 'U+001B at position 3'],
    ['audit filter', AuditListInput, { action: 'x\u0000' }, 'action', 'U+0000 at position 2'],
  ])(
    'refuses control characters in the %s, naming the field',
    (_what, schema, input, field, where) => {
      const found = problems(schema, input)[field];
      expect(found).toHaveLength(1);
      expect(found?.[0]).toMatch(
        new RegExp(
          `must not contain control characters \\(found ${where.replace(/\+/g, '\\+')}\\)$`,
        ),
      );
    },
  );

  it.each<[string, z.ZodType, Record<string, unknown>, string]>([
    ['site', DeviceCreate, { ...device, site: 'dc\uD83D' }, 'site'],
    ['tag value', DeviceCreate, { ...device, tags: { role: '\uDE00' } }, 'tags.role'],
    ['group description', GroupCreate, { name: 'g', description: 'x\uD800y' }, 'description'],
    ['group name', GroupCreate, { name: '\uD800' }, 'name'],
    ['template notes', TemplateCreate, { name: 't', body: 'x', notes: '\uDFFF' }, 'notes'],
    [
      'variable description',
      TemplateCreate,
      {
        name: 't',
        body: 'x {{a}}',
        variables: { a: { description: '\uD800' } },
      },
      'variables.a.description',
    ],
  ])('refuses a lone surrogate in the %s', (_what, schema, input, field) => {
    expect(problems(schema, input)[field]?.[0]).toMatch(
      /must be valid Unicode text \(found a lone surrogate U\+D[89A-F][0-9A-F]{2} at position \d+\)$/,
    );
  });

  it('keeps line breaks and tabs in descriptions and notes', () => {
    expect(GroupCreate.safeParse({ name: 'g', description: 'line 1\n\tline 2' }).success).toBe(
      true,
    );
  });

  it('refuses control characters and lone surrogates in e-mail addresses', () => {
    expect(Email.safeParse('a\u0000@example.net').success).toBe(false);
    expect(Email.safeParse('a\uD800@example.net').success).toBe(false);
    expect(
      problems(UserCreateInput, { email: 'x@example.net', password: 'abcdefghij\u0000' }),
    ).toEqual({ password: ['password must not contain control characters or line breaks'] });
    expect(
      problems(ChangePasswordInput, { currentPassword: 'x', newPassword: 'abcdefghij\n' }),
    ).toEqual({ newPassword: ['password must not contain control characters or line breaks'] });
  });
});

describe('credentials', () => {
  it.each([
    ['password', 'pa\u0000ss'],
    ['password', 'pass\n'],
    ['password', 'pass\r\n'],
    ['passphrase', 'a\u001bb'],
    ['enableSecret', 'en\u0000'],
  ])('refuses a %s with control characters, without echoing it', (field, secret) => {
    const found = problems(CredentialSet, {
      name: 'lab',
      privateKey: 'k',
      scope: { cidrs: ['10.0.0.0/8'] },
      [field]: secret,
    });
    expect(Object.keys(found)).toEqual([field]);
    expect(found[field]?.[0]).toMatch(/must not contain control characters or line breaks$/);
    expect(JSON.stringify(found)).not.toContain(secret);
  });

  it('refuses a lone surrogate in a password', () => {
    expect(
      problems(CredentialSet, {
        name: 'lab',
        password: 'pa\uD800ss',
        scope: { cidrs: ['10.0.0.0/8'] },
      }),
    ).toEqual({
      password: ['password must be valid Unicode text'],
    });
  });

  it('still takes a private key over several lines', () => {
    const key = '-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----\n';
    expect(
      CredentialSet.safeParse({ name: 'lab', privateKey: key, scope: { cidrs: ['10.0.0.0/8'] } })
        .success,
    ).toBe(true);
    expect(
      CredentialSet.safeParse({
        name: 'lab',
        privateKey: `${key}\u0000`,
        scope: { cidrs: ['10.0.0.0/8'] },
      }).success,
    ).toBe(false);
  });
});

describe('JSON fields (metadata, tags, template variables)', () => {
  it('refuses metadata nested 5,000 deep with a message, not a stack overflow', () => {
    expect(problems(Metadata, nested(5000))).toEqual({
      '': ['metadata must be nested at most 32 deep'],
    });
    expect(problems(Metadata, { list: nestedArray(5000) })).toEqual({
      '': ['metadata must be nested at most 32 deep'],
    });
  });

  it('refuses it through the device and group inputs, naming the field', () => {
    expect(problems(DeviceCreate, { ...device, metadata: nested(5000) })).toEqual({
      metadata: ['metadata must be nested at most 32 deep'],
    });
    expect(problems(GroupCreate, { name: 'g', metadata: { x: nestedArray(100_000) } })).toEqual({
      metadata: ['metadata must be nested at most 32 deep'],
    });
    expect(problems(DeviceCreate, { ...device, tags: nested(5000) })).toEqual({
      'tags.a': ['tag value must be text'],
    });
  });

  it('accepts metadata 32 deep and refuses 33', () => {
    expect(Metadata.safeParse(nested(32)).success).toBe(true);
    expect(Metadata.safeParse(nested(33)).success).toBe(false);
  });

  it('bounds the key count and the size', () => {
    const wide = Object.fromEntries(Array.from({ length: 1025 }, (_, i) => [`k${i}`, i]));
    expect(problems(Metadata, wide)).toEqual({
      '': ['metadata must have at most 1024 keys and list items in all'],
    });
    const spread = {
      a: Object.fromEntries(Array.from({ length: 600 }, (_, i) => [`k${i}`, { v: 1 }])),
    };
    expect(problems(Metadata, spread)).toEqual({
      '': ['metadata must have at most 1024 keys and list items in all'],
    });
    const big = Object.fromEntries(
      Array.from({ length: 5 }, (_, i) => [`k${i}`, 'x'.repeat(4000)]),
    );
    expect(problems(Metadata, big)).toEqual({ '': ['metadata must be at most 16 KiB as JSON'] });
  });

  it('names a bad value inside metadata by its path', () => {
    expect(problems(Metadata, { a: { b: ['ok', 'x\u0000'] } })).toEqual({
      'a.b.1': ['must not contain control characters (found U+0000 at position 2)'],
    });
    expect(problems(Metadata, { a: { ['k\uD800']: 1 } })).toEqual({
      a: ['keys must be valid Unicode text (found a lone surrogate U+D800 at position 2)'],
    });
    expect(problems(Metadata, { n: Number.NaN })).toEqual({ n: ['must be a finite number'] });
    expect(problems(Metadata, [1, 2])).toEqual({ '': ['metadata must be a JSON object'] });
  });

  it('keeps metadata as given', () => {
    const value = {
      rack: 'A1',
      u: [1, 2, { side: 'front' }],
      note: 'line 1\nline 2',
      ok: true,
      none: null,
    };
    expect(Metadata.parse(value)).toEqual(value);
  });

  it('refuses template variables past 64 KiB as JSON', () => {
    const variables = Object.fromEntries(
      Array.from({ length: 40 }, (_, i) => [
        `v${i}`,
        { type: 'enum', choices: Array.from({ length: 10 }, (_, j) => `${'c'.repeat(200)}${j}`) },
      ]),
    );
    expect(problems(TemplateCreate, { name: 't', body: 'x', variables })).toEqual({
      variables: ['variables must be at most 64 KiB as JSON'],
    });
  });

  it('refuses tags that are not a flat object of text', () => {
    expect(problems(Tags, { a: { b: 'c' } })).toEqual({ a: ['tag value must be text'] });
  });
});
