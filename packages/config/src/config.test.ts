import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  listenPort,
  loadConfig,
  SECTIONS,
  VARIABLE_NAMES,
  withCredentials,
} from './config.js';
import type { Section } from './define.js';
import { TABLE_END, TABLE_START, variablesTable, withVariablesTable } from './docs.js';

describe('loadConfig', () => {
  it('gives every documented default when nothing is set', () => {
    const config = loadConfig({});
    expect(config.database.DATABASE_URL).toBeUndefined();
    expect(config.database.NETAUTO_DATA_DIR).toBe('.netauto');
    expect(config.database.NETAUTO_DB_POOL_MAX).toBe(10);
    expect(config.deviceAccess.NETAUTO_ENABLE_TELNET).toBe(false);
    expect(config.deviceAccess.NETAUTO_HOST_KEYS).toBe('tofu');
    expect(config.deviceAccess.NETAUTO_OUTPUT_MAX_BYTES).toBe(64 * 1024 * 1024);
    expect(config.worker.NETAUTO_WORKERS).toBe('1');
    expect(config.worker.NETAUTO_QUOTA_GLOBAL).toBe(50);
    expect(config.worker.NETAUTO_QUOTA_SITE).toBe(5);
    expect(config.worker.NETAUTO_RUN_MAX_BYTES).toBe(2 ** 30);
    expect(config.worker.NETAUTO_RETENTION_CRON).toBe('15 3 * * *');
    expect(config.observability.NETAUTO_LOG_LEVEL).toBe('info');
    expect(config.observability.NETAUTO_METRICS_HOST).toBe('127.0.0.1');
    expect(config.api.NETAUTO_ADMIN_EMAIL).toBe('admin@netauto.local');
    expect(config.server.HOST).toBe('127.0.0.1');
    expect(config.server.BODY_SIZE_LIMIT).toBe('64M');
    expect(config.demo.NETAUTO_DEMO_DEVICES).toBe(20);
    expect(config.credentials).toEqual({});
  });

  it('reads values of the right types', () => {
    const config = loadConfig({
      DATABASE_URL: 'postgres://u:p@db.example.net:5432/netauto',
      NETAUTO_ENABLE_TELNET: 'true',
      NETAUTO_QUOTA_GLOBAL: '7',
      NETAUTO_METRICS_PORT: '9100',
      PORT: '8080',
    });
    expect(config.database.DATABASE_URL).toBe('postgres://u:p@db.example.net:5432/netauto');
    expect(config.deviceAccess.NETAUTO_ENABLE_TELNET).toBe(true);
    expect(config.worker.NETAUTO_QUOTA_GLOBAL).toBe(7);
    expect(config.observability.NETAUTO_METRICS_PORT).toBe(9100);
    expect(listenPort(config, 'web')).toBe(8080);
    expect(listenPort(config, 'api')).toBe(8080);
  });

  it('gives each server its own port when PORT is not set: 3000 for the web, 3001 for the API alone', () => {
    const config = loadConfig({});
    expect(listenPort(config, 'web')).toBe(3000);
    expect(listenPort(config, 'api')).toBe(3001);
  });

  it('names every bad variable and what is wrong, never the value', () => {
    const secret = 'not-a-url-but-a-secret-value';
    let error: unknown;
    try {
      loadConfig({
        DATABASE_URL: secret,
        NETAUTO_QUOTA_SITE: '0',
        NETAUTO_HOST_KEYS: 'sometimes',
        NETAUTO_METRICS_TOKEN: 'short',
        NETAUTO_RETENTION_CRON: 'daily',
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const e = error as ConfigError;
    expect(e.problems.map((p) => p.variable)).toEqual([
      'DATABASE_URL',
      'NETAUTO_HOST_KEYS',
      'NETAUTO_QUOTA_SITE',
      'NETAUTO_RETENTION_CRON',
      'NETAUTO_METRICS_TOKEN',
    ]);
    expect(e.message).toMatch(/^invalid environment: DATABASE_URL: .+; NETAUTO_HOST_KEYS: /);
    expect(e.message).toContain('NETAUTO_RETENTION_CRON: must be a cron schedule of five fields');
    expect(e.message).not.toContain(secret);
    expect(e.message).not.toContain('short');
  });

  it('checks only the sections asked for', () => {
    const env = { PORT: 'not a port', NETAUTO_URL: 'http://localhost:3000' };
    expect(() => loadConfig(env)).toThrow(/PORT/);
    const cli = loadConfig(env, ['cli']);
    expect(cli.cli.NETAUTO_URL).toBe('http://localhost:3000');
    expect(Object.keys(cli).sort()).toEqual(['cli', 'credentials']);
  });

  it("treats an empty value as unset in the CLI's section only", () => {
    expect(loadConfig({ NETAUTO_TOKEN: '', XDG_CONFIG_HOME: '' }, ['cli']).cli).toMatchObject({
      NETAUTO_TOKEN: undefined,
      XDG_CONFIG_HOME: undefined,
    });
    expect(() => loadConfig({ NETAUTO_DB_POOL_MAX: '' })).toThrow(/NETAUTO_DB_POOL_MAX/);
  });

  it('returns a frozen object', () => {
    const config = loadConfig({ NETAUTO_LAB_PASSWORD: 'x' });
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.worker)).toBe(true);
    expect(Object.isFrozen(config.credentials)).toBe(true);
  });

  it("collects env: credentials by pattern, never NetAuto's own settings", () => {
    const config = loadConfig({
      NETAUTO_LAB_USERNAME: 'netops',
      NETAUTO_LAB_PASSWORD: 'pw',
      NETAUTO_LAB_ALLOW: '127.0.0.0/8',
      NETAUTO_CORE_PRIVKEY_BASE64: 'a2V5',
      NETAUTO_ADMIN_PASSWORD: 'a first admin password',
      NETAUTO_SECRET_KEY: 'k',
      NETAUTO_UNRELATED: 'x',
      PATH: '/usr/bin',
    });
    expect(config.credentials).toEqual({
      NETAUTO_LAB_USERNAME: 'netops',
      NETAUTO_LAB_PASSWORD: 'pw',
      NETAUTO_LAB_ALLOW: '127.0.0.0/8',
      NETAUTO_CORE_PRIVKEY_BASE64: 'a2V5',
    });
    const demo = withCredentials(config, {
      NETAUTO_LAB_PASSWORD: 'other',
      NETAUTO_DEMO_PASSWORD: 'd',
    });
    expect(demo.credentials).toMatchObject({
      NETAUTO_LAB_PASSWORD: 'pw',
      NETAUTO_DEMO_PASSWORD: 'd',
    });
    expect(Object.isFrozen(demo)).toBe(true);
  });
});

describe('the variables', () => {
  const all = (Object.values(SECTIONS) as Section[]).flatMap((s) => Object.keys(s.variables));

  it('are each defined once', () => {
    const seen = new Map<string, number>();
    for (const name of all) seen.set(name, (seen.get(name) ?? 0) + 1);
    expect([...seen].filter(([, n]) => n > 1)).toEqual([]);
    expect(VARIABLE_NAMES.size).toBe(all.length);
  });

  it('each have a description', () => {
    for (const s of Object.values(SECTIONS) as Section[]) {
      for (const [name, v] of Object.entries(s.variables)) {
        expect(v.description.length, name).toBeGreaterThan(10);
      }
    }
  });
});

describe('the README', () => {
  it('holds the table of variables the sections make (pnpm --filter @netauto/config docs)', async () => {
    const readme = await readFile(path.resolve(import.meta.dirname, '../../../README.md'), 'utf8');
    expect(readme).toContain(TABLE_START);
    expect(readme).toContain(TABLE_END);
    expect(withVariablesTable(readme)).toBe(readme);
  });

  it('has one row per variable', () => {
    const table = variablesTable();
    for (const name of VARIABLE_NAMES) expect(table).toContain(`| \`${name}\` `);
  });
});
