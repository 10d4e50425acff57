import { DEVICE_FORM_FIELDS, DevicePatch, DeviceCreate, type Device } from '@netauto/schema';
import { describe, expect, it } from 'vitest';
import { createInput, formValuesOf, patchInput, submittedValues } from './device-form';

function formOf(values: Record<string, string>): FormData {
  const form = new FormData();
  for (const [key, value] of Object.entries(values)) form.set(key, value);
  return form;
}

const device: Device = {
  id: 7,
  hostname: 'r1',
  ip: '192.0.2.1',
  protocol: 'telnet',
  port: 2323,
  username: 'netops',
  credRef: 'env:LAB',
  platform: 'cisco_ios',
  vendor: 'Cisco',
  model: null,
  site: 'dc1',
  tags: { role: 'core', rack: 'r1' },
  metadata: { serial: 'X1' },
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
};

describe('the device form', () => {
  it('has a value for every field of the form, and only those', () => {
    expect(Object.keys(formValuesOf())).toEqual(DEVICE_FORM_FIELDS.map((f) => f.name));
    expect(Object.keys(formValuesOf(device))).toEqual(DEVICE_FORM_FIELDS.map((f) => f.name));
  });

  it("starts a new device with the schema's defaults and shows a device's values as text", () => {
    expect(formValuesOf()).toEqual({
      hostname: '',
      ip: '',
      protocol: 'ssh',
      port: '',
      username: '',
      credRef: '',
      platform: 'generic',
      vendor: '',
      model: '',
      site: '',
      tags: '',
    });
    expect(formValuesOf(device)).toEqual({
      hostname: 'r1',
      ip: '192.0.2.1',
      protocol: 'telnet',
      port: '2323',
      username: 'netops',
      credRef: 'env:LAB',
      platform: 'cisco_ios',
      vendor: 'Cisco',
      model: '',
      site: 'dc1',
      tags: 'role=core\nrack=r1',
    });
  });

  it('makes a create input the schema accepts from what was typed, leaving empty optional fields out', () => {
    const form = formOf({
      ...formValuesOf(),
      hostname: 'r2',
      ip: '192.0.2.2',
      username: 'u',
      credRef: 'LAB',
      port: ' 22 ',
      tags: 'a=1; b=2',
    });
    const input = createInput(form);
    expect(input).toEqual({
      hostname: 'r2',
      ip: '192.0.2.2',
      protocol: 'ssh',
      port: 22,
      username: 'u',
      credRef: 'LAB',
      platform: 'generic',
      tags: { a: '1', b: '2' },
    });
    expect(DeviceCreate.safeParse(input).success).toBe(true);
  });

  it('sends required fields left empty, for the schema to name them', () => {
    const result = DeviceCreate.safeParse(createInput(formOf({})));
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.path.join('.'))).toEqual(
      expect.arrayContaining(['hostname', 'ip', 'username', 'credRef']),
    );
  });

  it('passes a port that is not a number on as text, for the schema to refuse', () => {
    expect(createInput(formOf({ port: 'twenty' })).port).toBe('twenty');
  });

  it('clears emptied optional fields on a patch, and keeps the values typed back on failure', () => {
    const values = { ...formValuesOf(device), vendor: '', site: ' ' };
    const patch = patchInput(formOf(values));
    expect(patch).toMatchObject({ vendor: null, model: null, site: null, port: 2323 });
    expect(DevicePatch.safeParse(patch).success).toBe(true);
    expect(submittedValues(formOf(values))).toEqual(values);
  });
});
