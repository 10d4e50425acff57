import { describe, expect, it } from 'vitest';
import type { TemplateVariable } from './automation.js';
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
    expect(renderTemplate(template, { ifname: 'Gi0/1' })).toEqual({
      ok: true,
      command: 'interface Gi0/1\n description uplink\n mtu 1500',
    });
    expect(renderTemplate(template, { ifname: 'Te1/0/1', desc: 'core link', mtu: 9000 })).toEqual({
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
      'mtu must be a whole number',
    ],
    [
      'a newline (a second command)',
      { ifname: 'Gi0/1', desc: 'x\nreload' },
      'variables.desc',
      'desc must not contain newlines or control characters',
    ],
    [
      'a carriage return',
      { ifname: 'Gi0/1', desc: 'x\rreload' },
      'variables.desc',
      'desc must not contain newlines or control characters',
    ],
    [
      'a NUL',
      { ifname: 'Gi0/1', desc: 'x\u0000' },
      'variables.desc',
      'desc must not contain newlines or control characters',
    ],
    [
      'an escape sequence',
      { ifname: 'Gi0/1', desc: '\u001b[2J' },
      'variables.desc',
      'desc must not contain newlines or control characters',
    ],
  ])('refuses %s before anything is sent', (_what, values, field, message) => {
    expect(renderTemplate(template, values)).toEqual({
      ok: false,
      fieldErrors: { [field]: [message] },
    });
  });

  it('does not expand placeholders inside values (no template injection)', () => {
    const result = renderTemplate(template, {
      ifname: 'Gi0/1',
      desc: '{{ ifname }} {{constructor}}',
    });
    expect(result).toEqual({
      ok: true,
      command: 'interface Gi0/1\n description {{ ifname }} {{constructor}}\n mtu 1500',
    });
  });

  it('does not read inherited properties as values', () => {
    expect(
      renderTemplate({ body: 'x {{ toString }}', variables: { toString: v({}) } }, {}),
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
    expect(renderTemplate({ body: 'x {{ a }}', variables: { a: spec } }, { a: value }).ok).toBe(ok);
  });
});
