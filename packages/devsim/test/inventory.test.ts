import { DeviceCreate } from '@netauto/schema';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  fleet,
  FLEET_FAULTS,
  INVENTORY_COLUMNS,
  SIM_PLATFORMS,
  startLab,
  type Lab,
} from '../src/index.js';

describe('fleet', () => {
  test('is deterministic, mixes the platforms in turn and gives the asked fraction one fault each', () => {
    const a = fleet({ count: 50, faults: 0.1 });
    expect(fleet({ count: 50, faults: 0.1 })).toEqual(a);
    expect(a.map((s) => s.platform).slice(0, 6)).toEqual([...SIM_PLATFORMS]);
    const faulty = a.filter((s) => s.faults);
    expect(faulty).toHaveLength(5);
    expect(faulty.map((s) => s.faults)).toEqual(expect.arrayContaining(FLEET_FAULTS.slice(0, 5)));
    expect(new Set(a.map((s) => s.hostname)).size).toBe(50);
    expect(a[0]?.hostname).toMatch(/^[a-z]+\d-rtr-001$/);
    expect(fleet({ count: 50, faults: 0.1, seed: 'other' })).not.toEqual(a);
    expect(fleet({ count: 4, platforms: ['linux'] }).every((s) => s.platform === 'linux')).toBe(
      true,
    );
  });
});

describe('inventory', () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await startLab({ devices: fleet({ count: 12, faults: 0.5 }) });
  });
  afterAll(() => lab.stop());

  test('JSON rows are accepted by DeviceCreate and point at env:DEVSIM', () => {
    const rows = JSON.parse(lab.inventory('json')) as unknown[];
    expect(rows).toHaveLength(12);
    for (const row of rows) {
      const parsed = DeviceCreate.parse(row);
      expect(parsed.ip).toBe('127.0.0.1');
      expect(parsed.credRef).toBe('env:DEVSIM');
      expect(parsed.tags.lab).toBe('devsim');
    }
    const first = rows[0] as Record<string, unknown>;
    expect(Object.keys(first)).toEqual([...INVENTORY_COLUMNS]);
    const device = lab.devices[0];
    expect(first).toMatchObject({
      hostname: device?.spec.hostname,
      port: device?.port,
      protocol: 'ssh',
    });
    const tagged = (rows as { tags: Record<string, string> }[]).filter((r) => r.tags.fault);
    expect(tagged.map((r) => r.tags.fault)).toEqual(
      expect.arrayContaining(['reject-password', 'refuse-connection', 'hang-on-connect', 'drip']),
    );
  });

  test('CSV has the same columns, tags as key=value;key=value', () => {
    const records = parse<Record<string, string>>(lab.inventory('csv'), { columns: true });
    const json = JSON.parse(lab.inventory('json')) as {
      tags: Record<string, string>;
      port: number;
    }[];
    expect(records).toHaveLength(12);
    records.forEach((r, i) => {
      const tags: Record<string, string> = Object.fromEntries(
        (r.tags ?? '').split(';').map((kv) => kv.split('=') as [string, string]),
      );
      expect(tags).toEqual(json[i]?.tags);
      expect(Number(r.port)).toBe(json[i]?.port);
      expect(DeviceCreate.safeParse({ ...r, port: Number(r.port), tags }).success).toBe(true);
    });
  });
});
