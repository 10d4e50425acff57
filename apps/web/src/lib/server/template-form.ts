import type { Template, TemplateCreate } from '@netauto/schema';
import { numberField, stringField, textField } from './forms';

export type TemplateFormValues = Record<
  'name' | 'mode' | 'enabled' | 'body' | 'variables' | 'notes' | 'commandTimeoutMs',
  string
>;

export function templateValuesOf(t?: Template): TemplateFormValues {
  return {
    name: t?.name ?? '',
    mode: t?.mode ?? 'read',
    enabled: t ? String(t.enabled) : 'true',
    body: t?.body ?? '',
    variables: t && Object.keys(t.variables).length > 0 ? JSON.stringify(t.variables, null, 2) : '',
    notes: t?.notes ?? '',
    commandTimeoutMs: t?.commandTimeoutMs != null ? String(t.commandTimeoutMs) : '',
  };
}

export function submittedTemplateValues(form: FormData): TemplateFormValues {
  const values = templateValuesOf();
  for (const key of Object.keys(values) as (keyof TemplateFormValues)[]) {
    const v = form.get(key);
    if (typeof v === 'string') values[key] = v;
  }
  values.enabled = form.get('enabled') === 'on' ? 'true' : 'false';
  return values;
}

/** The template the form describes, or the field errors the form itself finds. */
export function templateInput(
  form: FormData,
): { ok: true; input: TemplateCreate } | { ok: false; errors: Record<string, string[]> } {
  const variablesText = textField(form, 'variables');
  let variables: unknown = {};
  if (variablesText) {
    try {
      variables = JSON.parse(variablesText) as unknown;
    } catch (e) {
      return {
        ok: false,
        errors: {
          variables: [`not valid JSON: ${e instanceof Error ? e.message : 'unreadable'}`],
        },
      };
    }
  }
  const timeout = numberField(form, 'commandTimeoutMs');
  return {
    ok: true,
    input: {
      name: textField(form, 'name') ?? '',
      mode: (textField(form, 'mode') ?? 'read') as TemplateCreate['mode'],
      enabled: form.get('enabled') === 'on',
      body: stringField(form, 'body'),
      variables: variables as TemplateCreate['variables'],
      notes: textField(form, 'notes') ?? null,
      commandTimeoutMs: (timeout ?? null) as number | null,
    },
  };
}
