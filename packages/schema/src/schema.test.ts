import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  checkDeviceRows,
  CredRef,
  DeviceCreate,
  DeviceListInput,
  Hostname,
  RUN_TRANSITIONS,
  TemplateCreate,
  isTerminalRunStatus,
  parseEnv,
  placeholdersOf,
} from './index.js';

describe('device schemas', () => {
  it('accepts a minimal device and fills defaults', () => {
    expect(
      DeviceCreate.parse({ hostname: 'r1', ip: '192.0.2.1', username: 'u', credRef: 'LAB' }),
    ).toEqual({
      hostname: 'r1',
      ip: '192.0.2.1',
      username: 'u',
      credRef: 'LAB',
      protocol: 'ssh',
      platform: 'generic',
      tags: {},
      metadata: {},
    });
  });

  it.each(['r1', 'core-sw01.dc1.example.net', 'R_1'])('accepts hostname %s', (h) => {
    expect(Hostname.safeParse(h).success).toBe(true);
  });

  it.each(['', ' ', '-r1', 'r 1', 'r1;reboot', 'a'.repeat(254), 'r1\nreload'])(
    'refuses hostname %j',
    (h) => {
      expect(Hostname.safeParse(h).success).toBe(false);
    },
  );

  it.each(['env:LAB', 'db:core_routers', 'LAB'])('accepts credential reference %s', (r) => {
    expect(CredRef.safeParse(r).success).toBe(true);
  });

  it.each([
    '',
    'file:/etc/passwd',
    'env:',
    'password=x',
    'env:LAB X',
    'ADMIN',
    'env:admin',
    'env:Secret',
  ])('refuses credential reference %j', (r) => {
    expect(CredRef.safeParse(r).success).toBe(false);
  });

  it('names the field of each problem', () => {
    const result = DeviceCreate.safeParse({
      hostname: 'r1',
      ip: 'nope',
      port: 0,
      username: 'u',
      credRef: 'X',
    });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.path.join('.')).sort()).toEqual(['ip', 'port']);
  });

  it('parses tag filters as key or key=value', () => {
    const q = DeviceListInput.parse({ tags: ['role=core', 'pci', 'note=a=b'] });
    expect(q.tags).toEqual([
      { key: 'role', value: 'core' },
      { key: 'pci', value: undefined },
      { key: 'note', value: 'a=b' },
    ]);
    expect(DeviceListInput.safeParse({ tags: ['bad key'] }).success).toBe(false);
  });
});

describe('template schemas', () => {
  it('finds placeholders once each', () => {
    expect(placeholdersOf('show {{a}} {{ b }} {{a}} {{ not valid }}')).toEqual(['a', 'b']);
  });

  it('refuses a body with an undeclared placeholder', () => {
    const result = TemplateCreate.safeParse({ name: 't', body: 'ping {{ host }}' });
    expect(result.error?.issues).toMatchObject([
      { path: ['body'], message: 'placeholder {{host}} is not a declared variable' },
    ]);
  });
});

describe('run statuses', () => {
  it('allows only pending -> running -> ok|error and pending -> error', () => {
    expect(RUN_TRANSITIONS).toEqual({
      pending: ['running', 'error'],
      running: ['ok', 'error'],
      ok: [],
      error: [],
    });
    expect(
      ['pending', 'running', 'ok', 'error'].filter((s) => isTerminalRunStatus(s as never)),
    ).toEqual(['ok', 'error']);
  });
});

describe('parseEnv', () => {
  const Env = z.object({
    PORT: z.coerce.number().int().min(1),
    MODE: z.enum(['a', 'b']).default('a'),
  });

  it('reads values with their defaults', () => {
    expect(parseEnv(Env, { PORT: '8080' })).toEqual({ PORT: 8080, MODE: 'a' });
  });

  it('names every bad variable', () => {
    expect(() => parseEnv(Env, { PORT: 'x', MODE: 'c' })).toThrow(
      /^invalid environment: PORT: .*; MODE: /,
    );
  });
});

describe('checkDeviceRows', () => {
  const good = {
    hostname: 'r1',
    ip: '10.0.0.1',
    username: 'netops',
    credRef: 'env:LAB',
    platform: 'linux',
  };
  it('names each bad row and what is wrong, and refuses a hostname and site twice', () => {
    const rows = checkDeviceRows([
      good,
      { ...good, ip: 'not-an-ip' },
      { ...good, hostname: 'r2', site: 'fra1' },
      { ...good },
      { ...good, hostname: 'r2', site: 'par1' },
    ]);
    expect(rows.map((r) => [r.row, r.device !== undefined])).toEqual([
      [1, true],
      [2, false],
      [3, true],
      [4, false],
      [5, true],
    ]);
    expect(rows[1]?.errors[0]).toMatch(/^ip: /);
    expect(rows[3]?.errors).toEqual(['hostname: the same hostname and site as row 1']);
  });
});
