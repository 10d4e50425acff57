import { z } from 'zod';
import { PLACEHOLDER, type TemplateVariable } from './automation.js';
import { Id } from './common.js';

/** A value given for a template variable. */
export const VariableInput = z.union([z.string().max(1024), z.number(), z.boolean()]);
export type VariableInput = z.infer<typeof VariableInput>;

export const Variables = z
  .record(z.string().max(64), VariableInput)
  .refine((v) => Object.keys(v).length <= 64, 'at most 64 variables');

export const RunCreateInput = z.union([
  z.strictObject({ deviceId: Id, command: z.string().min(1).max(65_536) }),
  z.strictObject({
    deviceId: Id,
    templateId: Id,
    variables: Variables.default({}),
  }),
]);
export type RunCreateInput = z.input<typeof RunCreateInput>;

export const RenderInput = z.strictObject({ templateId: Id, variables: Variables.default({}) });
export type RenderInput = z.input<typeof RenderInput>;

export type RenderResult =
  { ok: true; command: string } | { ok: false; fieldErrors: Record<string, string[]> };

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;
const IPV4 = z.ipv4();
const IPV6 = z.ipv6();
const CIDR = z.union([z.cidrv4(), z.cidrv6()]);

function check(name: string, spec: TemplateVariable, value: VariableInput): string | undefined {
  const text = String(value);
  if (CONTROL.test(text)) return `${name} must not contain newlines or control characters`;
  switch (spec.type) {
    case 'string':
      if (typeof value !== 'string') return `${name} must be text`;
      break;
    case 'integer':
      if (!(typeof value === 'number' ? Number.isInteger(value) : /^-?\d+$/.test(text))) {
        return `${name} must be a whole number`;
      }
      break;
    case 'number':
      if (
        !Number.isFinite(typeof value === 'number' ? value : Number(text)) ||
        text.trim() === ''
      ) {
        return `${name} must be a number`;
      }
      break;
    case 'boolean':
      if (typeof value !== 'boolean' && text !== 'true' && text !== 'false') {
        return `${name} must be true or false`;
      }
      break;
    case 'ip':
      if (!IPV4.safeParse(text).success && !IPV6.safeParse(text).success) {
        return `${name} must be an IP address`;
      }
      break;
    case 'cidr':
      if (!CIDR.safeParse(text).success) return `${name} must be a network such as 10.0.0.0/24`;
      break;
    case 'enum':
      if (!spec.choices?.includes(text)) {
        return `${name} must be one of ${(spec.choices ?? []).join(', ')}`;
      }
      break;
  }
  if (spec.pattern !== undefined && !new RegExp(`^(?:${spec.pattern})$`).test(text)) {
    return `${name} does not match the pattern ${spec.pattern}`;
  }
  return undefined;
}

/**
 * Renders `{{ name }}` placeholders from declared variables only. A missing,
 * undeclared or ill-typed value, or one with a newline or control character, is
 * refused, so nothing half-checked is ever sent to a device.
 */
export function renderTemplate(
  template: { body: string; variables: Record<string, TemplateVariable> },
  values: Record<string, VariableInput>,
): RenderResult {
  const fieldErrors: Record<string, string[]> = {};
  const resolved: Record<string, string> = {};
  for (const name of Object.keys(values)) {
    if (!Object.hasOwn(template.variables, name)) {
      fieldErrors[`variables.${name}`] = [`${name} is not a variable of this template`];
    }
  }
  for (const [name, spec] of Object.entries(template.variables)) {
    const value = Object.hasOwn(values, name) ? values[name] : spec.default;
    if (value === undefined || value === '') {
      if (spec.required) fieldErrors[`variables.${name}`] = [`${name} is required`];
      else resolved[name] = '';
      continue;
    }
    const problem = check(name, spec, value);
    if (problem) fieldErrors[`variables.${name}`] = [problem];
    else resolved[name] = String(value);
  }
  if (Object.keys(fieldErrors).length > 0) return { ok: false, fieldErrors };
  const command = template.body.replace(PLACEHOLDER, (_, name: string) => resolved[name] ?? '');
  return { ok: true, command };
}
