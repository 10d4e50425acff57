import { describe, expect, it } from 'vitest';
import {
  placeholdersOf,
  TemplateCreate,
  TemplatePatch,
  type TemplateVariable,
} from './automation.js';
import { renderTemplate } from './render.js';

const v = (spec: Partial<TemplateVariable>): TemplateVariable => ({
  type: 'string',
  required: true,
  ...spec,
});

describe('renderTemplate', () => {
  const template = {
    body: 'interface {{ ifname }}\n description {{desc}}\n mtu {{ mtu }}',
    variables: {
      ifname: v({ pattern: '(Gi|Te)[0-9/]+' }),
      desc: v({ required: false, default: 'uplink' }),
      mtu: v({ type: 'integer', required: false, default: 1500 }),
    },
  };

  it('renders declared variables, with defaults', () => {
    expect(renderTemplate(template, { ifname: 'Gi0/1' }, 'cisco_ios')).toEqual({
      ok: true,
      command: 'interface Gi0/1\n description uplink\n mtu 1500',
    });
    expect(
      renderTemplate(template, { ifname: 'Te1/0/1', desc: 'core link', mtu: 9000 }, 'cisco_ios'),
    ).toEqual({
      ok: true,
      command: 'interface Te1/0/1\n description core link\n mtu 9000',
    });
  });

  it.each<[string, Record<string, string | number | boolean>, string, string]>([
    ['a missing required variable', {}, 'variables.ifname', 'ifname is required'],
    [
      'an undeclared variable',
      { ifname: 'Gi0/1', extra: 'x' },
      'variables.extra',
      'extra is not a variable of this template',
    ],
    [
      'a value that breaks the pattern',
      { ifname: 'Vlan1' },
      'variables.ifname',
      'ifname does not match the pattern (Gi|Te)[0-9/]+',
    ],
    [
      'a pattern matched only in part',
      { ifname: 'Gi0/1 ; reload' },
      'variables.ifname',
      'ifname does not match the pattern (Gi|Te)[0-9/]+',
    ],
    [
      'an ill-typed integer',
      { ifname: 'Gi0/1', mtu: '15x' },
      'variables.mtu',
      'mtu must be a whole number written plainly, such as 1500 (digits only, no leading zeros)',
    ],
    [
      'a newline (a second command)',
      { ifname: 'Gi0/1', desc: 'x\nreload' },
      'variables.desc',
      'desc must not contain newlines or control characters (found U+000A at position 2)',
    ],
    [
      'a carriage return',
      { ifname: 'Gi0/1', desc: 'x\rreload' },
      'variables.desc',
      'desc must not contain newlines or control characters (found U+000D at position 2)',
    ],
    [
      'a NUL',
      { ifname: 'Gi0/1', desc: 'x\u0000' },
      'variables.desc',
      'desc must not contain newlines or control characters (found U+0000 at position 2)',
    ],
    [
      'an escape sequence',
      { ifname: 'Gi0/1', desc: '\u001b[2J' },
      'variables.desc',
      'desc must not contain newlines or control characters (found U+001B at position 1)',
    ],
  ])('refuses %s before anything is sent', (_what, values, field, message) => {
    expect(renderTemplate(template, values, 'cisco_ios')).toEqual({
      ok: false,
      fieldErrors: { [field]: [message] },
    });
  });

  it('does not expand placeholders inside values (no template injection)', () => {
    const result = renderTemplate(
      template,
      { ifname: 'Gi0/1', desc: '{{ ifname }} {{constructor}}' },
      'cisco_ios',
    );
    expect(result).toEqual({
      ok: true,
      command: 'interface Gi0/1\n description {{ ifname }} {{constructor}}\n mtu 1500',
    });
  });

  it('does not read inherited properties as values', () => {
    expect(
      renderTemplate({ body: 'x {{ toString }}', variables: { toString: v({}) } }, {}, 'generic'),
    ).toEqual({
      ok: false,
      fieldErrors: { 'variables.toString': ['toString is required'] },
    });
  });

  it.each<[TemplateVariable, string | number | boolean, boolean]>([
    [v({ type: 'ip' }), '10.0.0.1', true],
    [v({ type: 'ip' }), '2001:db8::1', true],
    [v({ type: 'ip' }), '10.0.0.256', false],
    [v({ type: 'cidr' }), '10.0.0.0/24', true],
    [v({ type: 'cidr' }), '10.0.0.0', false],
    [v({ type: 'number' }), '1.5', true],
    [v({ type: 'number' }), 'abc', false],
    [v({ type: 'boolean' }), true, true],
    [v({ type: 'boolean' }), 'yes', false],
    [v({ type: 'enum', choices: ['up', 'down'] }), 'down', true],
    [v({ type: 'enum', choices: ['up', 'down'] }), 'sideways', false],
    [v({ type: 'string' }), 5, false],
  ])('checks the type %j of value %j', (spec, value, ok) => {
    expect(
      renderTemplate({ body: 'x {{ a }}', variables: { a: spec } }, { a: value }, 'generic').ok,
    ).toBe(ok);
  });
});

describe('patterns (linear time, whole value)', () => {
  const hostile = `${'a'.repeat(1023)}!`;

  it('matches a nested-quantifier pattern against 1,024 hostile characters in milliseconds', () => {
    const template = { body: 'echo {{v}}', variables: { v: v({ pattern: '(a+)+' }) } };
    const started = performance.now();
    const result = renderTemplate(template, { v: hostile }, 'cisco_ios');
    const ms = performance.now() - started;
    console.log(`(a+)+ against ${hostile.length} characters: ${ms.toFixed(1)} ms`);
    expect(result).toEqual({
      ok: false,
      fieldErrors: { 'variables.v': ['v does not match the pattern (a+)+'] },
    });
    // The backtracking engine took seconds at 30 characters, doubling with each one.
    expect(ms).toBeLessThan(1000);
  });

  it('keeps whole-value semantics', () => {
    const t = (pattern: string, value: string) =>
      renderTemplate({ body: 'x {{a}}', variables: { a: v({ pattern }) } }, { a: value }, 'generic')
        .ok;
    expect(t('a|ab', 'ab')).toBe(true);
    expect(t('Gi', 'Gi0/1')).toBe(false);
    expect(t('^Gi', 'Gi')).toBe(true);
    expect(t('Gi.*', 'Gi0/1')).toBe(true);
    expect(t('[0-9]+', '12a')).toBe(false);
    expect(t('x$', 'x')).toBe(true);
  });

  it.each([
    ['a back-reference', '(a)\\1'],
    ['a look-ahead', '(?=a)a'],
    ['a negative look-ahead', '(?!a)b'],
    ['a look-behind', '(?<=a)b'],
    ['a named back-reference', '(?<x>a)\\k<x>'],
  ])('refuses %s when the template is saved, naming the variable', (_what, pattern) => {
    const result = TemplateCreate.safeParse({
      name: 't',
      body: 'show {{iface}}',
      variables: { iface: { pattern } },
    });
    expect(result.error?.issues).toHaveLength(1);
    expect(result.error?.issues[0]?.path).toEqual(['variables', 'iface', 'pattern']);
    expect(result.error?.issues[0]?.message).toMatch(
      /^pattern uses syntax that NetAuto's linear-time matcher does not support \(.+\): back-references and look-arounds are not available$/,
    );
    expect(
      TemplatePatch.safeParse({ variables: { iface: { pattern } } }).error?.issues[0]?.path,
    ).toEqual(['variables', 'iface', 'pattern']);
  });

  it('refuses a pattern too big to match quickly, before compiling all of it', () => {
    const huge = '.{0,1000}'.repeat(50);
    const started = performance.now();
    const result = TemplateCreate.safeParse({
      name: 't',
      body: 'x {{a}}',
      variables: { a: { pattern: huge } },
    });
    const ms = performance.now() - started;
    console.log(`a pattern of ~100,000 instructions refused in ${ms.toFixed(1)} ms`);
    expect(result.error?.issues.map((i) => [i.path.join('.'), i.message])).toEqual([
      [
        'variables.a.pattern',
        'pattern is too complex (it would take too long to match); simplify it',
      ],
    ]);
    expect(ms).toBeLessThan(1000);
  });

  it('refuses patterns that are too complex together', () => {
    const pattern = '[A-Za-z0-9]{0,300}';
    const variables = Object.fromEntries(
      Array.from({ length: 8 }, (_, i) => [`v${i}`, { pattern }]),
    );
    const result = TemplateCreate.safeParse({ name: 't', body: 'x', variables });
    expect(result.error?.issues.map((i) => i.path.join('.'))).toContain('variables');
    expect(result.error?.issues.map((i) => i.message)).toContain(
      "the variables' patterns are too complex together; simplify them",
    );
  });

  it('refuses at render time a stored pattern that the engine cannot run', () => {
    const result = renderTemplate(
      { body: 'x {{a}}', variables: { a: v({ pattern: '(a)\\1' }) } },
      { a: 'aa' },
      'generic',
    );
    expect(result.ok).toBe(false);
    expect(!result.ok && result.fieldErrors['variables.a']?.[0]).toMatch(
      /^the pattern of a cannot be used/,
    );
  });
});

describe('values on a shell (linux): quoted', () => {
  const echo = { body: 'echo {{message}}', variables: { message: v({}) } };
  const render = (
    body: string,
    values: Record<string, string | number>,
    spec: Partial<TemplateVariable> = {},
  ) => {
    const names = placeholdersOf(body);
    return renderTemplate(
      { body, variables: Object.fromEntries(names.map((n) => [n, v(spec)])) },
      values,
      'linux',
    );
  };

  it('quotes a value with shell syntax into one word', () => {
    expect(renderTemplate(echo, { message: 'a; rm -rf /tmp/x' }, 'linux')).toEqual({
      ok: true,
      command: "echo 'a; rm -rf /tmp/x'",
    });
    expect(render('echo {{m}}', { m: "it's $(id) `id` \\ *" })).toEqual({
      ok: true,
      command: "echo 'it'\\''s $(id) `id` \\ *'",
    });
  });

  it('leaves plain words as they are', () => {
    expect(
      render('ping -c {{n}} {{host}} # {{note}}', { n: '3', host: '10.0.0.1', note: 'x' }),
    ).toEqual({ ok: true, command: 'ping -c 3 10.0.0.1 # x' });
    expect(
      render('ip link show {{i}}', { i: 'eth0.100' }).ok &&
        render('x {{i}}', { i: 'a-b_c:d/e@f%g+h=i,j' }),
    ).toEqual({
      ok: true,
      command: 'x a-b_c:d/e@f%g+h=i,j',
    });
  });

  it('escapes a value inside double quotes or single quotes in the body', () => {
    expect(render('echo "hello {{m}}"', { m: 'a" $(id) `id` \\' })).toEqual({
      ok: true,
      command: 'echo "hello a\\" \\$(id) \\`id\\` \\\\"',
    });
    expect(render("echo 'hello {{m}}'", { m: "a'; id; '" })).toEqual({
      ok: true,
      command: "echo 'hello a'\\''; id; '\\'''",
    });
    // A comment's quote does not count.
    expect(render("echo {{m}} # it's", { m: 'a b' })).toEqual({
      ok: true,
      command: "echo 'a b' # it's",
    });
  });

  it.each([
    ['inside backquotes', 'echo `echo {{m}}`'],
    ['inside $(( ))', 'echo $(( {{m}} + 1 ))'],
    ['in a here-document', 'cat <<EOF\n{{m}}\nEOF'],
    ['after a backslash', 'echo \\{{m}}'],
    ['after a $', 'echo ${{m}}'],
  ])('refuses a value that needs quoting %s', (_where, body) => {
    const result = render(body, { m: 'a; id' });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.fieldErrors['variables.m']?.[0]).toMatch(
      /^m needs shell quoting, which the body does not allow where \{\{m\}\} stands/,
    );
    expect(render(body, { m: '42' }).ok).toBe(true);
  });

  it('inserts a raw variable as it is', () => {
    expect(render('ls {{args}}', { args: '-l /tmp | wc -l' }, { raw: true })).toEqual({
      ok: true,
      command: 'ls -l /tmp | wc -l',
    });
  });

  it('leaves an optional value that was not given empty', () => {
    expect(render('ls {{dir}}', {}, { required: false })).toEqual({ ok: true, command: 'ls ' });
  });
});

describe('values on a network CLI: no shell or pipe syntax unless raw', () => {
  const show = { body: 'show run | include {{x}}', variables: { x: v({}) } };

  it.each(['cisco_ios', 'juniper_junos', 'arista_eos', 'generic'] as const)(
    'refuses a pipe, a separator or a redirect on %s',
    (platform) => {
      for (const value of ['a | redirect tftp://x', 'a ; reload', 'a > flash:x', 'a $(id)', 'a?']) {
        const result = renderTemplate(show, { x: value }, platform);
        expect(result.ok).toBe(false);
        expect(!result.ok && result.fieldErrors['variables.x']?.[0]).toMatch(
          /^x must not contain .+ on .+ devices \(declare the variable raw to allow it\)$/,
        );
      }
      expect(renderTemplate(show, { x: 'uplink to core-1' }, platform)).toEqual({
        ok: true,
        command: 'show run | include uplink to core-1',
      });
    },
  );

  it('inserts a raw variable as it is', () => {
    const raw = { body: show.body, variables: { x: v({ raw: true }) } };
    expect(renderTemplate(raw, { x: 'a | count' }, 'cisco_ios')).toEqual({
      ok: true,
      command: 'show run | include a | count',
    });
  });
});

describe('numbers', () => {
  const int = { body: 'mtu {{n}}', variables: { n: v({ type: 'integer' }) } };
  const num = { body: 'x {{n}}', variables: { n: v({ type: 'number' }) } };

  it.each<[string | number, string]>([
    [1500, 'mtu 1500'],
    ['1500', 'mtu 1500'],
    [-3, 'mtu -3'],
    ['0', 'mtu 0'],
    [Number.MAX_SAFE_INTEGER, `mtu ${Number.MAX_SAFE_INTEGER}`],
  ])('renders the integer %j plainly', (value, command) => {
    expect(renderTemplate(int, { n: value }, 'cisco_ios')).toEqual({ ok: true, command });
  });

  it.each<string | number>([
    1e21,
    '1e21',
    2 ** 53,
    '9007199254740993',
    '007',
    '-0',
    '+5',
    '1.0',
    ' 5',
    1.5,
  ])('refuses the integer %j', (value) => {
    const result = renderTemplate(int, { n: value }, 'cisco_ios');
    expect(result.ok).toBe(false);
    expect(!result.ok && result.fieldErrors['variables.n']?.[0]).toMatch(
      /^n must be a whole number/,
    );
  });

  it.each<[string | number, string]>([
    [0.5, 'x 0.5'],
    ['-2.25', 'x -2.25'],
    [12, 'x 12'],
  ])('renders the number %j plainly', (value, command) => {
    expect(renderTemplate(num, { n: value }, 'linux')).toEqual({ ok: true, command });
  });

  it.each<string | number>([1e21, 1e-7, '1e3', 'Infinity', '.5', '0x10'])(
    'refuses the number %j',
    (value) => {
      expect(renderTemplate(num, { n: value }, 'linux').ok).toBe(false);
    },
  );
});

describe('variable values', () => {
  it('refuses a lone surrogate and C1 controls', () => {
    const t = { body: 'x {{a}}', variables: { a: v({}) } };
    expect(renderTemplate(t, { a: 'x\uD800' }, 'generic')).toEqual({
      ok: false,
      fieldErrors: {
        'variables.a': [
          'a must be valid Unicode text (found a lone surrogate U+D800 at position 2)',
        ],
      },
    });
    expect(renderTemplate(t, { a: 'x\u009b' }, 'generic')).toEqual({
      ok: false,
      fieldErrors: {
        'variables.a': [
          'a must not contain newlines or control characters (found U+009B at position 2)',
        ],
      },
    });
  });
});
