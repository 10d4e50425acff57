import type { Device, DeviceCreate, DevicePatch } from '@netauto/schema';
import { formatTags, numberField, parseTags, textField } from './forms';

/** The device form's fields, as text, the way the form shows them. */
export type DeviceFormValues = Record<
  | 'hostname'
  | 'ip'
  | 'protocol'
  | 'port'
  | 'username'
  | 'credRef'
  | 'platform'
  | 'vendor'
  | 'model'
  | 'site'
  | 'tags',
  string
>;

export function formValuesOf(device?: Device): DeviceFormValues {
  return {
    hostname: device?.hostname ?? '',
    ip: device?.ip ?? '',
    protocol: device?.protocol ?? 'ssh',
    port: device ? String(device.port) : '',
    username: device?.username ?? '',
    credRef: device?.credRef ?? '',
    platform: device?.platform ?? 'generic',
    vendor: device?.vendor ?? '',
    model: device?.model ?? '',
    site: device?.site ?? '',
    tags: device ? formatTags(device.tags) : '',
  };
}

export function submittedValues(form: FormData): DeviceFormValues {
  const values = formValuesOf();
  for (const key of Object.keys(values) as (keyof DeviceFormValues)[]) {
    const v = form.get(key);
    if (typeof v === 'string') values[key] = v;
  }
  return values;
}

/** A new device from the form; the schema judges every value (and says what is wrong). */
export function createInput(form: FormData): DeviceCreate {
  const input: Record<string, unknown> = {
    hostname: textField(form, 'hostname') ?? '',
    ip: textField(form, 'ip') ?? '',
    protocol: textField(form, 'protocol') ?? 'ssh',
    username: textField(form, 'username') ?? '',
    credRef: textField(form, 'credRef') ?? '',
    platform: textField(form, 'platform') ?? 'generic',
    tags: parseTags(textField(form, 'tags')),
  };
  const port = numberField(form, 'port');
  if (port !== undefined) input.port = port;
  for (const key of ['vendor', 'model', 'site'] as const) {
    const v = textField(form, key);
    if (v !== undefined) input[key] = v;
  }
  return input as DeviceCreate;
}

/** The changes the form makes; an emptied optional field clears it. */
export function patchInput(form: FormData): DevicePatch {
  const created = createInput(form) as Record<string, unknown>;
  const patch: Record<string, unknown> = { ...created };
  for (const key of ['vendor', 'model', 'site'] as const) patch[key] = created[key] ?? null;
  return patch;
}
