import {
  DEVICE_FORM_FIELDS,
  type Device,
  type DeviceCreate,
  type DeviceFormField,
  type DevicePatch,
} from '@netauto/schema';
import { formatTags, numberField, parseTags, textField } from './forms';

/** The device form's fields, as text, the way the form shows them. */
export type DeviceFormValues = Record<DeviceFormField, string>;

/** A device's values as the form shows them; a new device's form starts with the defaults. */
export function formValuesOf(device?: Device): DeviceFormValues {
  const values = {} as DeviceFormValues;
  for (const field of DEVICE_FORM_FIELDS) {
    const value = device?.[field.name];
    // The one field with lines is the tags': one key=value a line.
    if (field.control === 'textarea') {
      values[field.name] = device ? formatTags(value as Record<string, string>) : '';
    } else {
      values[field.name] =
        device === undefined
          ? field.initial
          : value == null || typeof value === 'object'
            ? ''
            : String(value);
    }
  }
  return values;
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
  const input: Record<string, unknown> = {};
  for (const field of DEVICE_FORM_FIELDS) {
    if (field.control === 'textarea') {
      input[field.name] = parseTags(textField(form, field.name));
      continue;
    }
    const value = field.numeric ? numberField(form, field.name) : textField(form, field.name);
    // An empty field is left out, unless the field is required or has a default.
    if (value !== undefined) input[field.name] = value;
    else if (!field.numeric && (field.required || field.initial !== '')) {
      input[field.name] = field.initial;
    }
  }
  return input as DeviceCreate;
}

/** The changes the form makes; an emptied optional field clears it. */
export function patchInput(form: FormData): DevicePatch {
  const created = createInput(form) as Record<string, unknown>;
  const patch: Record<string, unknown> = { ...created };
  for (const field of DEVICE_FORM_FIELDS) {
    if (field.nullable) patch[field.name] = created[field.name] ?? null;
  }
  return patch;
}
