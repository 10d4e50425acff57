import type { Device, DeviceCreate, DeviceListInput, DeviceSortField } from '@netauto/schema';
import { QueryTypes } from 'sequelize';
import { describe, expect, it } from 'vitest';
import { useTestDatabase } from '../../test/db.js';
import type { Database } from '../connection.js';
import { ConflictError, InvalidStateError, NotFoundError, ValidationError } from '../errors.js';
import { deviceFactory } from '../testing/index.js';
import { observeStatements } from '../sql.js';
import { DevicesRepo } from './devices.repo.js';

describe('devices repository', async () => {
  const { repos, make } = await useTestDatabase();
  const devices = repos.devices;

  async function fieldsOf(promise: Promise<unknown>): Promise<string[]> {
    const error = await promise.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ValidationError);
    return Object.keys((error as ValidationError).fieldErrors);
  }

  describe('create', () => {
    it('stores a device with defaults and returns a plain object', async () => {
      const d = await devices.create({
        hostname: 'edge1',
        ip: '192.0.2.10',
        username: 'netops',
        credRef: 'env:LAB',
      });
      expect(d).toEqual({
        id: expect.any(Number) as number,
        hostname: 'edge1',
        ip: '192.0.2.10',
        protocol: 'ssh',
        port: 22,
        username: 'netops',
        credRef: 'env:LAB',
        platform: 'generic',
        vendor: null,
        model: null,
        site: null,
        tags: {},
        metadata: {},
        createdAt: expect.any(String) as string,
        updatedAt: expect.any(String) as string,
      });
      expect(Object.getPrototypeOf(d)).toBe(Object.prototype);
      expect(await devices.get(d.id)).toEqual(d);
    });

    it('defaults a telnet device to port 23 and keeps IPv6 addresses', async () => {
      const d = await make.device({ protocol: 'telnet', ip: '2001:db8::1' });
      expect(d.port).toBe(23);
      expect(d.ip).toBe('2001:db8::1');
    });

    it.each(['hostname', 'ip', 'username', 'credRef'] as const)(
      'refuses a device without %s, naming the field',
      async (field) => {
        const input = Object.fromEntries(
          Object.entries(deviceFactory()).filter(([key]) => key !== field),
        );
        expect(await fieldsOf(devices.create(input as never))).toEqual([field]);
      },
    );

    it.each([
      ['platform', 'ios'],
      ['protocol', 'ftp'],
      ['port', 0],
      ['port', 65536],
      ['port', 22.5],
      ['ip', '10.0.0.300'],
      ['hostname', 'bad host'],
      ['hostname', 'x'.repeat(254)],
      ['credRef', 'password=hunter2'],
      ['tags', { role: 42 }],
      ['metadata', []],
    ])('refuses %s = %j, naming the field', async (field, value) => {
      const fields = await fieldsOf(devices.create({ ...deviceFactory(), [field]: value }));
      expect(fields[0]?.split('.')[0]).toBe(field);
    });

    it('refuses unknown fields instead of dropping them', async () => {
      expect(
        await fieldsOf(devices.create({ ...deviceFactory(), password: 'x' } as never)),
      ).toEqual(['input']);
    });

    it('refuses a duplicate hostname at the same site, and with no site', async () => {
      await make.device({ hostname: 'dup1', site: 'dc1' });
      await expect(make.device({ hostname: 'dup1', site: 'dc1' })).rejects.toThrow(ConflictError);
      await make.device({ hostname: 'dup1', site: 'dc2' });

      await make.device({ hostname: 'dup2', site: null });
      const error = await make.device({ hostname: 'dup2', site: null }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConflictError);
      expect((error as ConflictError).fields).toEqual(['hostname', 'site']);
      expect((error as ConflictError).message).toBe(
        'a device with this hostname already exists at this site',
      );
    });
  });

  describe('update and delete', () => {
    it('changes only the given fields', async () => {
      const d = await make.device({ vendor: 'Cisco', tags: { role: 'core' } });
      const u = await devices.update(d.id, { vendor: 'Arista', site: null });
      expect(u).toMatchObject({
        vendor: 'Arista',
        site: null,
        hostname: d.hostname,
        tags: { role: 'core' },
      });
      expect(u.updatedAt >= d.updatedAt).toBe(true);
    });

    it('moves a default port along when the protocol changes, but keeps a custom one', async () => {
      const d = await make.device();
      expect((await devices.update(d.id, { protocol: 'telnet' })).port).toBe(23);
      const custom = await make.device({ port: 2222 });
      expect((await devices.update(custom.id, { protocol: 'telnet' })).port).toBe(2222);
    });

    it('refuses a bad patch and a patch that collides', async () => {
      const a = await make.device({ hostname: 'col-a', site: 'dc1' });
      const b = await make.device({ hostname: 'col-b', site: 'dc1' });
      expect(await fieldsOf(devices.update(a.id, { port: 70000 }))).toEqual(['patch.port']);
      await expect(devices.update(b.id, { hostname: 'col-a' })).rejects.toThrow(ConflictError);
      expect((await devices.get(b.id)).hostname).toBe('col-b');
    });

    it('reports a missing device as not found', async () => {
      await expect(devices.get(999_999)).rejects.toThrow(NotFoundError);
      await expect(devices.update(999_999, { vendor: 'x' })).rejects.toThrow(
        'device 999999 not found',
      );
      await expect(devices.delete(999_999)).rejects.toThrow(NotFoundError);
    });

    it('deletes a device with its memberships', async () => {
      const d = await make.device();
      const g = await make.group();
      await repos.groups.addMember({ groupId: g.id, deviceId: d.id });
      expect((await devices.delete(d.id)).id).toBe(d.id);
      await expect(devices.get(d.id)).rejects.toThrow(NotFoundError);
      expect(await repos.groups.members(g.id)).toEqual([]);
    });

    it('refuses to delete a device that has runs', async () => {
      const d = await make.device({ hostname: 'with-history' });
      await make.run({ deviceId: d.id });
      await expect(devices.delete(d.id)).rejects.toThrow(InvalidStateError);
      await expect(devices.delete(d.id)).rejects.toThrow(
        'device with-history has 1 run in its history and cannot be deleted',
      );
      expect((await devices.get(d.id)).id).toBe(d.id);
    });
  });
});

describe('devices list', async () => {
  const { repos, make } = await useTestDatabase();
  const devices = repos.devices;
  const hostnames = (page: { items: Device[] }) => page.items.map((d) => d.hostname).sort();

  const fleet = [
    {
      hostname: 'core1',
      ip: '10.1.0.1',
      site: 'dc1',
      platform: 'cisco_ios',
      vendor: 'Cisco',
      model: 'C9500',
      tags: { role: 'core', rack: 'a1' },
    },
    {
      hostname: 'core2',
      ip: '10.1.0.2',
      site: 'dc1',
      platform: 'cisco_nxos',
      vendor: 'Cisco',
      model: 'N9K',
      tags: { role: 'core', rack: 'a2' },
    },
    {
      hostname: 'leaf1',
      ip: '10.2.0.1',
      site: 'dc2',
      platform: 'arista_eos',
      vendor: 'Arista',
      model: '7050X',
      tags: { role: 'leaf' },
    },
    {
      hostname: 'mx1',
      ip: '192.168.5.1',
      site: 'branch',
      platform: 'juniper_junos',
      vendor: 'Juniper',
      model: 'MX204',
      tags: { role: 'wan', owner: 'noc-team' },
    },
    {
      hostname: 'bastion',
      ip: '2001:db8::10',
      site: null,
      platform: 'linux',
      vendor: null,
      model: null,
      tags: {},
    },
  ] as const;

  const created: Device[] = [];
  for (const d of fleet) created.push(await make.device({ ...d, tags: { ...d.tags } }));
  const group = await make.group({ name: 'cores' });
  await repos.groups.addMember({ groupId: group.id, deviceId: created[0]?.id ?? 0 });
  await repos.groups.addMember({
    groupId: group.id,
    deviceId: created[1]?.id ?? 0,
    role: 'primary',
  });

  it.each<[string, DeviceListInput, string[]]>([
    ['site', { site: 'dc1' }, ['core1', 'core2']],
    ['platform', { platform: 'arista_eos' }, ['leaf1']],
    ['vendor, any case', { vendor: 'cisco' }, ['core1', 'core2']],
    ['protocol', { protocol: 'ssh' }, ['bastion', 'core1', 'core2', 'leaf1', 'mx1']],
    ['tag key=value', { tags: ['role=core'] }, ['core1', 'core2']],
    ['two tags', { tags: ['role=core', 'rack=a2'] }, ['core2']],
    ['tag key only', { tags: ['owner'] }, ['mx1']],
    ['group', { groupId: group.id }, ['core1', 'core2']],
    ['IPv4 CIDR', { cidr: '10.0.0.0/8' }, ['core1', 'core2', 'leaf1']],
    ['narrow CIDR', { cidr: '10.1.0.0/24' }, ['core1', 'core2']],
    ['IPv6 CIDR', { cidr: '2001:db8::/32' }, ['bastion']],
    ['text in hostname', { q: 'CORE' }, ['core1', 'core2']],
    ['text in ip', { q: '192.168.5' }, ['mx1']],
    ['text in model', { q: 'mx204' }, ['mx1']],
    ['text in a tag value', { q: 'noc-team' }, ['mx1']],
    ['text in site', { q: 'branch' }, ['mx1']],
    ['text with LIKE wildcards taken literally', { q: '%' }, []],
    ['filters combined', { site: 'dc1', platform: 'cisco_nxos' }, ['core2']],
  ])('filters on %s', async (_name, input, expected) => {
    expect(hostnames(await devices.list(input))).toEqual(expected);
    expect(await devices.count(input)).toBe(expected.length);
  });

  it('does not match tag keys as text', async () => {
    expect(hostnames(await devices.list({ q: 'owner' }))).toEqual([]);
  });

  it('refuses a bad filter, naming it', async () => {
    await expect(devices.list({ cidr: '10.0.0.0/33' })).rejects.toThrow(ValidationError);
    await expect(devices.list({ tags: ['bad key=1'] })).rejects.toThrow(/tags/);
    await expect(devices.list({ cursor: 'bm9wZQ' })).rejects.toThrow('cursor');
    const first = await devices.list({ limit: 1 });
    await expect(
      devices.list({ sort: 'ip', cursor: first.nextCursor ?? undefined }),
    ).rejects.toThrow('cursor belongs to a list sorted by hostname asc, not ip asc');
  });
});

/**
 * Devices with many ties and NULLs in every sortable column, so that pages must break
 * ties by id and place NULLs right.
 */
function tiedFleet(count: number, extra: (i: number) => Partial<DeviceCreate> = () => ({})) {
  return Array.from({ length: count }, (_, i) =>
    deviceFactory({
      hostname: `sw${String(i % 40).padStart(2, '0')}`,
      site: i < 40 ? 'dc1' : i % 2 ? null : 'dc2',
      ip: `10.9.${i % 7}.${i}`,
      vendor: i % 3 === 0 ? null : i % 3 === 1 ? 'Cisco' : 'Arista',
      model: i % 5 === 0 ? null : `M${i % 4}`,
      port: 22 + (i % 2),
      ...extra(i),
    }),
  );
}

describe('devices pagination', async () => {
  const { repos } = await useTestDatabase();
  const devices = repos.devices;
  await devices.upsertMany(tiedFleet(57));

  it.each(['hostname', 'ip', 'vendor', 'model', 'site', 'port', 'platform', 'createdAt'] as const)(
    'walks every page sorted by %s, both ways, with no row lost or repeated',
    async (sort) => {
      for (const dir of ['asc', 'desc'] as const) {
        const seen: Device[] = [];
        let cursor: string | undefined;
        let pages = 0;
        do {
          const page = await devices.list({ sort, dir, limit: 10, ...(cursor && { cursor }) });
          seen.push(...page.items);
          cursor = page.nextCursor ?? undefined;
          pages += 1;
        } while (cursor && pages < 20);
        expect(pages).toBe(6);
        expect(new Set(seen.map((d) => d.id)).size).toBe(57);
        // The concatenated pages equal one big page.
        const all = await devices.list({ sort, dir, limit: 100 });
        expect(seen.map((d) => d.id)).toEqual(all.items.map((d) => d.id));
      }
    },
  );
});

/** Runs `fn` and returns the SQL statements it sent. */
async function statementsOf<T>(db: Database, fn: () => Promise<T>): Promise<[T, string[]]> {
  const sql: string[] = [];
  const stop = observeStatements(db.sequelize, (statement) => sql.push(statement));
  try {
    return [await fn(), sql];
  } finally {
    stop();
  }
}

/** Every page of a list, one after the other, and the statements each page took. */
async function walkPages(
  repo: DevicesRepo,
  db: Database,
  input: DeviceListInput,
): Promise<{ ids: number[]; statements: string[][] }> {
  const ids: number[] = [];
  const statements: string[][] = [];
  let cursor: string | undefined;
  do {
    const [page, sql] = await statementsOf(db, () =>
      repo.list({ ...input, ...(cursor && { cursor }) }),
    );
    ids.push(...page.items.map((d) => d.id));
    statements.push(sql);
    cursor = page.nextCursor ?? undefined;
  } while (cursor && statements.length < 1000);
  return { ids, statements };
}

const SORT_COLUMNS: Record<DeviceSortField, string> = {
  hostname: 'hostname',
  ip: 'ip',
  platform: 'platform',
  vendor: 'vendor',
  model: 'model',
  site: 'site',
  protocol: 'protocol',
  port: 'port',
  createdAt: 'created_at',
  updatedAt: 'updated_at',
};

/** The ids a plain ORDER BY gives: what every page walk must add up to. */
async function plainOrder(
  db: Database,
  term: string,
  sort: DeviceSortField,
  dir: 'asc' | 'desc',
): Promise<number[]> {
  const rows = await db.sequelize.query<{ id: number }>(
    `SELECT id FROM devices WHERE search LIKE $1
     ORDER BY ${SORT_COLUMNS[sort]} ${dir}, id ${dir}`,
    { bind: [`%${term}%`], type: QueryTypes.SELECT },
  );
  return rows.map((r) => r.id);
}

const isPhase2 = (sql: string) => sql.includes('MATERIALIZED');
const isEstimate = (sql: string) => sql.trimStart().startsWith('EXPLAIN');

describe('devices text search, matches clustered at the end of the sort order', async () => {
  const { db, repos } = await useTestDatabase();
  // Hostnames put every match after 1,900 rows that do not match.
  await repos.devices.upsertMany(
    Array.from({ length: 2500 }, (_, i) => {
      const needle = i >= 1900;
      return deviceFactory({
        hostname: `${needle ? 'zz' : 'aa'}${String(i).padStart(4, '0')}`,
        ip: `10.20.${i >> 8}.${i & 255}`,
        vendor: i % 3 === 0 ? null : 'Cisco',
        model: i % 5 === 0 ? null : `M${i % 4}`,
        site: i % 7 === 0 ? null : `dc${i % 3}`,
        tags: { role: needle ? 'needle' : 'hay' },
      });
    }),
  );
  await db.sequelize.query('ANALYZE devices');

  it('walks a budget of rows, then fetches the matches trigram-first: same pages', async () => {
    const { ids, statements } = await walkPages(repos.devices, db, { q: 'needle', limit: 20 });
    expect(ids).toEqual(await plainOrder(db, 'needle', 'hostname', 'asc'));
    expect(ids).toHaveLength(600);
    // The first page: the estimates, a walk that finds no match, then phase 2.
    const first = statements[0] ?? [];
    expect(first).toHaveLength(3);
    expect(isEstimate(first[0] ?? '')).toBe(true);
    expect(isPhase2(first[1] ?? '')).toBe(false);
    expect(isPhase2(first[2] ?? '')).toBe(true);
    // One big page agrees.
    const all = await repos.devices.list({ q: 'needle', limit: 500 });
    expect(all.items.map((d) => d.id)).toEqual(ids.slice(0, 500));
  });

  it('finds a page by walking when matches come early', async () => {
    const [page, sql] = await statementsOf(db, () =>
      repos.devices.list({ q: 'needle', sort: 'hostname', dir: 'desc', limit: 20 }),
    );
    expect(page.items.map((d) => d.id)).toEqual(
      (await plainOrder(db, 'needle', 'hostname', 'desc')).slice(0, 20),
    );
    expect(sql).toHaveLength(2);
    expect(isPhase2(sql[1] ?? '')).toBe(false);
  });
});

describe('devices text search, both phases on every sort', async () => {
  const { db } = await useTestDatabase();
  // Walks of 6 rows: a page of 3 is complete after phase 1 only where matches are dense.
  const devices = new DevicesRepo({ sequelize: db.sequelize }, { searchScanRows: 6 });
  await devices.upsertMany(
    tiedFleet(80, (i) => ({ tags: { role: i % 10 < 4 || i >= 66 ? 'needle' : 'hay' } })),
  );

  it.each(Object.keys(SORT_COLUMNS) as DeviceSortField[])(
    'sorted by %s, both ways, pages add up to the plain ORDER BY',
    async (sort) => {
      for (const dir of ['asc', 'desc'] as const) {
        const expected = await plainOrder(db, 'needle', sort, dir);
        expect(expected.length).toBe(42);
        const { ids, statements } = await walkPages(devices, db, {
          q: 'needle',
          sort,
          dir,
          limit: 3,
        });
        expect(ids).toEqual(expected);
        const big = await devices.list({ q: 'needle', sort, dir, limit: 100 });
        expect(big.items.map((d) => d.id)).toEqual(expected);
        // Both phases served pages, and a given budget needs no estimates.
        expect(statements.some((sql) => sql.length === 1)).toBe(true);
        expect(statements.some((sql) => sql.length === 2 && isPhase2(sql[1] ?? ''))).toBe(true);
        expect(statements.flat().some(isEstimate)).toBe(false);
      }
    },
  );

  it('keeps the other filters in both phases', async () => {
    const input = { q: 'needle', site: 'dc1', sort: 'vendor', limit: 2 } as const;
    const { ids } = await walkPages(devices, db, input);
    const rows = await db.sequelize.query<{ id: number }>(
      `SELECT id FROM devices WHERE search LIKE '%needle%' AND site = 'dc1'
       ORDER BY vendor, id`,
      { type: QueryTypes.SELECT },
    );
    expect(ids).toEqual(rows.map((r) => r.id));
  });
});

describe('devices upsertMany', async () => {
  const { repos } = await useTestDatabase();
  const devices = repos.devices;

  it('creates, then updates on (hostname, site), including rows with no site', async () => {
    const rows = [
      deviceFactory({ hostname: 'u1', site: 'dc1' }),
      deviceFactory({ hostname: 'u1', site: null }),
      deviceFactory({ hostname: 'u2', site: 'dc1', protocol: 'telnet' }),
    ];
    const first = await devices.upsertMany(rows);
    expect(first).toMatchObject({ created: 3, updated: 0 });
    const second = await devices.upsertMany([
      { ...rows[0], ip: '10.99.0.1', model: 'X' } as never,
      { ...rows[1], vendor: 'Juniper' } as never,
    ]);
    expect(second).toMatchObject({ created: 0, updated: 2, ids: first.ids.slice(0, 2) });
    const u1 = await devices.findByHostname('u1', 'dc1');
    expect(u1).toMatchObject({ ip: '10.99.0.1', model: 'X' });
    expect(await devices.findByHostname('u1', null)).toMatchObject({ vendor: 'Juniper' });
    expect(await devices.findByHostname('u2', 'dc1')).toMatchObject({ port: 23 });
  });

  it('refuses the whole call when any row is bad, naming the row and field', async () => {
    const before = await devices.count();
    const error = await devices
      .upsertMany([deviceFactory(), deviceFactory({ port: 0 }), deviceFactory()])
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect(Object.keys((error as ValidationError).fieldErrors)).toEqual(['rows.1.port']);
    expect(await devices.count()).toBe(before);
  });

  it('refuses the same hostname and site twice in one call', async () => {
    const error = await devices
      .upsertMany([
        deviceFactory({ hostname: 'twice', site: null }),
        deviceFactory({ hostname: 'twice', site: 'dc1' }),
        deviceFactory({ hostname: 'twice', site: null }),
      ])
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).fieldErrors).toEqual({
      'rows.2.hostname': ['duplicates row 0: same hostname and no site'],
    });
    expect(await devices.findByHostname('twice', 'dc1')).toBeUndefined();
  });

  it('loads several batches in one transaction', async () => {
    const rows = Array.from({ length: 4500 }, (_, i) =>
      deviceFactory({ hostname: `bulk${i}`, site: 'bulk' }),
    );
    const result = await devices.upsertMany(rows);
    expect(result.created).toBe(4500);
    expect(new Set(result.ids).size).toBe(4500);
    expect(await devices.count({ site: 'bulk' })).toBe(4500);
  });
});
