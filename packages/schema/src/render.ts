import { z } from 'zod';
import { Command, PLACEHOLDER, type TemplateVariable } from './automation.js';
import { badCharacterMessage, findBadCharacter, Id } from './common.js';
import { Platform, TemplateMode } from './enums.js';
import { compilePattern, MAX_TEMPLATE_PATTERN_COST, matchesWhole } from './pattern.js';
import { quoteForShell, shellPlaceholders } from './shell.js';

/** A value given for a template variable. */
export const VariableInput = z.union([z.string().max(1024), z.number(), z.boolean()]);
export type VariableInput = z.infer<typeof VariableInput>;

export const Variables = z
  .record(z.string().max(64), VariableInput)
  .refine((v) => Object.keys(v).length <= 64, 'at most 64 variables');

export const RunCreateInput = z.union([
  z.strictObject({ deviceId: Id, command: Command }),
  z.strictObject({
    deviceId: Id,
    templateId: Id,
    variables: Variables.default({}),
  }),
]);
export type RunCreateInput = z.input<typeof RunCreateInput>;

/**
 * A preview of a template's command: for a platform, or for a device (its platform),
 * since values are written differently for a shell and for a network CLI. Neither:
 * `generic`.
 */
export const RenderInput = z
  .strictObject({
    templateId: Id,
    variables: Variables.default({}),
    platform: Platform.optional(),
    deviceId: Id.optional(),
  })
  .refine((r) => r.platform === undefined || r.deviceId === undefined, {
    error: 'give a platform or a device, not both',
    path: ['platform'],
  });
export type RenderInput = z.input<typeof RenderInput>;

export const RenderOutput = z.object({
  command: z.string(),
  mode: TemplateMode,
  /** The platform the command was written for. */
  platform: Platform,
});
export type RenderOutput = z.infer<typeof RenderOutput>;

export type RenderResult =
  { ok: true; command: string } | { ok: false; fieldErrors: Record<string, string[]> };

/**
 * How values are written into a platform's commands. `shell`: a POSIX shell runs the
 * command, so each value is quoted for it. `cli`: a network CLI has no quoting, and there
 * `|` pipes output into `redirect`, `tee` or `save` (files, TFTP), `;`, `&` and `>` chain
 * and redirect (NX-OS, EOS), `?` asks for help mid-line, `!` and `#` start comments; with
 * `$`, backquotes and backslashes (a shell's substitutions and escapes, for a `generic` device
 * that may be a shell), a value holding any of them is refused unless its variable is
 * declared raw.
 */
export const VALUE_SYNTAX: Record<Platform, 'shell' | 'cli'> = {
  cisco_ios: 'cli',
  cisco_nxos: 'cli',
  cisco_iosxr: 'cli',
  arista_eos: 'cli',
  juniper_junos: 'cli',
  linux: 'shell',
  generic: 'cli',
};

const CLI_SPECIAL = /[|;&$`<>\\?!#]/;

const IPV4 = z.ipv4();
const IPV6 = z.ipv6();
const CIDR = z.union([z.cidrv4(), z.cidrv6()]);
const PLAIN_INTEGER = /^(?:0|-?[1-9][0-9]*)$/;
const PLAIN_NUMBER = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?$/;

/** The value as text for its type, or what is wrong with it. */
function typed(
  name: string,
  spec: TemplateVariable,
  value: VariableInput,
): { text: string } | { problem: string } {
  const text = String(value);
  const bad = findBadCharacter(text);
  if (bad) return { problem: badCharacterMessage(name, bad, 'newlines or control characters') };
  switch (spec.type) {
    case 'string':
      if (typeof value !== 'string') return { problem: `${name} must be text` };
      break;
    case 'integer': {
      // Written plainly: 1e21 would be sent as "1e+21", 007 read as octal by some tools.
      if (!PLAIN_INTEGER.test(text)) {
        return {
          problem: `${name} must be a whole number written plainly, such as 1500 (digits only, no leading zeros)`,
        };
      }
      if (!Number.isSafeInteger(Number(text))) {
        return {
          problem: `${name} must be a whole number from ${-Number.MAX_SAFE_INTEGER} to ${Number.MAX_SAFE_INTEGER}`,
        };
      }
      break;
    }
    case 'number':
      if (
        typeof value === 'boolean' ||
        !PLAIN_NUMBER.test(text) ||
        !Number.isFinite(Number(text))
      ) {
        return { problem: `${name} must be a number written plainly, such as 12 or 0.5` };
      }
      break;
    case 'boolean':
      if (typeof value !== 'boolean' && text !== 'true' && text !== 'false') {
        return { problem: `${name} must be true or false` };
      }
      break;
    case 'ip':
      if (!IPV4.safeParse(text).success && !IPV6.safeParse(text).success) {
        return { problem: `${name} must be an IP address` };
      }
      break;
    case 'cidr':
      if (!CIDR.safeParse(text).success) {
        return { problem: `${name} must be a network such as 10.0.0.0/24` };
      }
      break;
    case 'enum':
      if (!spec.choices?.includes(text)) {
        return { problem: `${name} must be one of ${(spec.choices ?? []).join(', ')}` };
      }
      break;
  }
  return { text };
}

/** Checks `text` against the variable's pattern (RE2, whole value). */
function matchesPattern(name: string, pattern: string, text: string): string | undefined {
  const compiled = compilePattern(pattern);
  if (!compiled.ok) {
    return `the pattern of ${name} cannot be used (${compiled.message}); the template must be changed`;
  }
  return matchesWhole(compiled.regex, text)
    ? undefined
    : `${name} does not match the pattern ${pattern}`;
}

/**
 * Renders `{{ name }}` placeholders from declared variables only, for one platform. A
 * missing, undeclared or ill-typed value, or one with a newline or control character, is
 * refused, so nothing half-checked is ever sent to a device. On a shell each value is
 * quoted; on a network CLI a value with command syntax is refused; a variable declared
 * raw goes in as it is.
 */
export function renderTemplate(
  template: { body: string; variables: Record<string, TemplateVariable> },
  values: Record<string, VariableInput>,
  platform: Platform,
): RenderResult {
  const fieldErrors: Record<string, string[]> = {};
  const resolved: Record<string, string> = {};
  for (const name of Object.keys(values)) {
    if (!Object.hasOwn(template.variables, name)) {
      fieldErrors[`variables.${name}`] = [`${name} is not a variable of this template`];
    }
  }
  let patternCost = 0;
  for (const spec of Object.values(template.variables)) {
    const compiled = spec.pattern === undefined ? undefined : compilePattern(spec.pattern);
    if (compiled?.ok) patternCost += compiled.cost;
  }
  const syntax = VALUE_SYNTAX[platform];
  for (const [name, spec] of Object.entries(template.variables)) {
    const value = Object.hasOwn(values, name) ? values[name] : spec.default;
    if (value === undefined || value === '') {
      if (spec.required) fieldErrors[`variables.${name}`] = [`${name} is required`];
      else resolved[name] = '';
      continue;
    }
    const checked = typed(name, spec, value);
    let problem = 'problem' in checked ? checked.problem : undefined;
    const text = 'text' in checked ? checked.text : '';
    if (!problem && spec.pattern !== undefined) {
      problem =
        patternCost > MAX_TEMPLATE_PATTERN_COST
          ? `the patterns of this template are too complex together; the template must be changed`
          : matchesPattern(name, spec.pattern, text);
    }
    if (!problem && syntax === 'cli' && !spec.raw) {
      const special = CLI_SPECIAL.exec(text)?.[0];
      if (special !== undefined) {
        problem = `${name} must not contain ${special} on ${platform} devices (declare the variable raw to allow it)`;
      }
    }
    if (problem) fieldErrors[`variables.${name}`] = [problem];
    else resolved[name] = text;
  }
  if (Object.keys(fieldErrors).length > 0) return { ok: false, fieldErrors };
  if (syntax === 'cli') {
    const command = template.body.replace(PLACEHOLDER, (_, name: string) => resolved[name] ?? '');
    return { ok: true, command };
  }
  let command = '';
  let at = 0;
  for (const p of shellPlaceholders(template.body)) {
    const value = resolved[p.name] ?? '';
    const written = template.variables[p.name]?.raw ? value : quoteForShell(value, p.context);
    if (written === undefined) {
      fieldErrors[`variables.${p.name}`] ??= [
        `${p.name} needs shell quoting, which the body does not allow where {{${p.name}}} stands (inside backquotes or $(( )), in a here-document, or right after \\ or $): write {{${p.name}}} as a word of its own or inside quotes`,
      ];
      continue;
    }
    command += template.body.slice(at, p.start) + written;
    at = p.end;
  }
  if (Object.keys(fieldErrors).length > 0) return { ok: false, fieldErrors };
  return { ok: true, command: command + template.body.slice(at) };
}
