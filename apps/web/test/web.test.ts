import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { commandOutput } from '@netauto/devsim';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEVSIM, screenshot, type RunningApp } from './app.js';
import { browserSuite, type BrowserSuite } from './suite.js';

const ADMIN = { email: 'admin@e2e.example.net', password: 'admin-password-e2e' };
const VIEWER = { email: 'viewer@e2e.example.net', password: 'viewer-password-e2e' };

describe('the web UI, end to end (built app, PostgreSQL, devsim over SSH, Chromium)', () => {
  const ids: Record<string, number> = {};
  const suite = browserSuite({
    devices: [
      { hostname: 'e2e-r1', platform: 'cisco_ios', site: 'lab' },
      { hostname: 'e2e-h1', platform: 'linux', site: 'lab' },
    ],
    users: [
      { ...ADMIN, role: 'admin' },
      { ...VIEWER, role: 'viewer' },
    ],
    seed: async ({ services, actor, lab }) => {
      // The lab's devices, and a crowd to search through.
      const rows = JSON.parse(lab.inventory('json')) as Parameters<
        typeof services.devices.import
      >[1];
      const crowd = Array.from({ length: 120 }, (_, i) => ({
        hostname: `crowd-${String(i).padStart(3, '0')}`,
        ip: `10.20.${Math.floor(i / 250)}.${(i % 250) + 1}`,
        username: 'netops',
        credRef: 'env:LAB',
        platform: i % 2 ? ('arista_eos' as const) : ('juniper_junos' as const),
        site: i % 3 ? 'par1' : 'fra1',
      }));
      await services.devices.import(actor, [...rows, ...crowd]);
      for (const name of ['e2e-r1', 'e2e-h1']) {
        const found = await services.devices.list({ q: name, limit: 5 });
        ids[name] = found.items.find((d) => d.hostname === name)?.id ?? 0;
      }
      await services.groups.create(actor, { name: 'core', description: 'Core routers' });
    },
  });
  let app: RunningApp;
  let browser: BrowserSuite['browser'];
  let page: Page;
  beforeAll(() => {
    ({ app, browser, page } = suite);
  });
  const signIn = (who: { email: string; password: string }) => suite.signIn(who);

  async function hostnamesShown(): Promise<string[]> {
    return page.locator('tbody tr td:first-child a').allTextContents();
  }

  it('signs in (a wrong password is refused with a message) and shows who is signed in', async () => {
    await page.goto(`${app.url}/devices`);
    expect(new URL(page.url()).pathname).toBe('/login');
    await page.getByLabel('E-mail').fill(ADMIN.email);
    await page.getByLabel('Password').fill('not-the-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect
      .poll(() => page.getByTestId('login-error').textContent())
      .toBe('Wrong e-mail or password.');
    expect(await page.getByLabel('E-mail').inputValue()).toBe(ADMIN.email);
    await screenshot(page, 'login-refused');

    await signIn(ADMIN);
    expect(await page.getByTestId('whoami').textContent()).toBe(ADMIN.email);
    expect(await page.getByTestId('role').textContent()).toBe('admin');
    await screenshot(page, 'devices');
  });

  it('adds a device: a bad IP is shown beside the field, what was typed is kept, and the fixed form saves', async () => {
    await signIn(ADMIN);
    await page.getByRole('link', { name: 'Add device' }).click();
    await page.getByLabel('Hostname').fill('edge-new-1');
    await page.getByLabel('IP address').fill('10.0.0.300');
    await page.getByLabel('Username').fill('netops');
    await page.getByLabel('Credential reference').fill('env:LAB');
    await page.getByLabel('Site').fill('ams1');
    await page.getByRole('button', { name: 'Add device' }).click();

    const ipError = page.locator('#device-ip-error');
    await expect.poll(() => ipError.textContent()).toContain('must be an IPv4 or IPv6 address');
    expect(await page.getByLabel('IP address').getAttribute('aria-invalid')).toBe('true');
    expect(await page.getByLabel('IP address').getAttribute('aria-describedby')).toContain(
      'device-ip-error',
    );
    expect(await page.getByLabel('Hostname').inputValue()).toBe('edge-new-1');
    expect(await page.getByLabel('Site').inputValue()).toBe('ams1');
    expect(await page.locator('#device-hostname-error').count()).toBe(0);
    await screenshot(page, 'device-form-error');

    await page.getByLabel('IP address').fill('10.0.0.30');
    await page.getByRole('button', { name: 'Add device' }).click();
    await page.waitForURL(/\/devices\/\d+\?created=1$/);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('edge-new-1');
    expect(await page.getByTestId('device-ip').textContent()).toBe('10.0.0.30');
  });

  it('searches as you type, with results paged from the server', async () => {
    await signIn(ADMIN);
    // 120 crowd-* and the lab's devices, 50 a page, by hostname.
    expect(await hostnamesShown()).toHaveLength(50);
    await page.getByRole('link', { name: 'Next' }).click();
    await expect.poll(async () => (await hostnamesShown())[0]).toBe('crowd-050');
    expect(await hostnamesShown()).toHaveLength(50);
    await page.getByRole('link', { name: 'Previous' }).click();
    await expect.poll(async () => (await hostnamesShown())[0]).toBe('crowd-000');

    await page.goto(`${app.url}/devices`);
    await page.getByLabel('Search').pressSequentially('crowd-11', { delay: 30 });
    await expect
      .poll(() => hostnamesShown())
      .toEqual(Array.from({ length: 10 }, (_, i) => `crowd-11${i}`));
    // The search box kept the focus and every character typed.
    expect(await page.getByLabel('Search').inputValue()).toBe('crowd-11');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('q');
    expect(new URL(page.url()).searchParams.get('q')).toBe('crowd-11');
    await screenshot(page, 'devices-search');

    await page.getByLabel('Platform').selectOption('arista_eos');
    await expect
      .poll(() => hostnamesShown())
      .toEqual(['crowd-111', 'crowd-113', 'crowd-115', 'crowd-117', 'crowd-119']);
  });

  it('imports a CSV: the preview shows the bad row with its error, and confirming imports the rest', async () => {
    await signIn(ADMIN);
    const dir = mkdtempSync(path.join(tmpdir(), 'netauto-import-'));
    const file = path.join(dir, 'inventory.csv');
    writeFileSync(
      file,
      [
        'hostname,ip,protocol,port,username,credRef,platform,vendor,model,site,tags',
        'imp-1,192.0.2.1,ssh,22,netops,env:LAB,cisco_ios,Cisco,ISR4451,ber1,role=edge',
        'imp-2,192.0.2.999,ssh,22,netops,env:LAB,cisco_ios,Cisco,ISR4451,ber1,',
        'imp-3,192.0.2.3,ssh,,netops,env:LAB,arista_eos,Arista,,ber1,role=leaf;rack=r12',
      ].join('\n'),
    );
    await page.goto(`${app.url}/devices/import`);
    await page.getByLabel('File', { exact: true }).setInputFiles(file);
    await page.getByRole('button', { name: 'Preview' }).click();
    const summary = page.getByTestId('import-summary');
    await expect.poll(() => summary.textContent()).toContain('3 rows');
    expect(await summary.textContent()).toContain('2 valid');
    expect(await summary.textContent()).toContain('1 with errors');
    const bad = page.locator('[data-testid=import-rows] tbody tr').first();
    expect(await bad.locator('td').first().textContent()).toBe('2');
    expect(await bad.textContent()).toContain('ip: must be an IPv4 or IPv6 address');
    await screenshot(page, 'import-preview');

    // Nothing is stored before the confirmation (looked at in another tab).
    const other = await browser.context.newPage();
    await other.goto(`${app.url}/devices?q=imp-`);
    expect(await other.locator('tbody').textContent()).toContain('No devices match.');
    await other.close();
    await page.getByRole('button', { name: 'Import 2 valid rows' }).click();
    await expect
      .poll(() => page.getByTestId('import-done').textContent())
      .toContain('2 added, 0 updated');
    await page.goto(`${app.url}/devices?q=imp-`);
    expect(await hostnamesShown()).toEqual(['imp-1', 'imp-3']);
    expect(await page.locator('tbody').textContent()).toContain('rack=r12');
  });

  it('adds a device to a group, and the group lists it with its role', async () => {
    await signIn(ADMIN);
    await page.goto(`${app.url}/devices/${ids['e2e-r1']}`);
    await page.getByLabel('Add to group').selectOption({ label: 'core' });
    await page.getByLabel('Role').selectOption('primary');
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await expect
      .poll(() => page.getByTestId('device-groups').textContent())
      .toMatch(/core\s*primary/);
    await page.getByTestId('device-groups').getByRole('link', { name: 'core' }).click();
    await page.waitForURL(/\/groups\/\d+$/);
    const members = page.getByTestId('members');
    expect(await members.locator('tbody tr td:first-child').allTextContents()).toEqual(['e2e-r1']);
    expect(await page.getByLabel('Role of e2e-r1').inputValue()).toBe('primary');
    await screenshot(page, 'group');
  });

  it('renames and deletes a group, and deletes a template, each after a confirmation', async () => {
    await signIn(ADMIN);
    await page.goto(`${app.url}/groups`);
    await page.getByLabel('Name').fill('to-rename');
    await page.getByRole('button', { name: /create/i }).click();
    await page.waitForURL(/\/groups\/\d+$/);
    await page.getByRole('link', { name: 'Edit' }).click();
    await page.waitForURL(/\/edit$/);
    await page.getByLabel('Name').fill('');
    await page.getByRole('button', { name: 'Save group' }).click();
    // The refused name is said beside the field; then a good one saves.
    await expect.poll(() => page.getByRole('alert').count()).toBeGreaterThan(0);
    await page.getByLabel('Name').fill('renamed');
    await page.getByLabel('Site').fill('fra1');
    await page.getByRole('button', { name: 'Save group' }).click();
    await page.waitForURL(/\/groups\/\d+$/);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('renamed');
    await page.getByRole('link', { name: 'Delete' }).click();
    await page.waitForURL(/\/delete$/);
    expect(await page.getByText('devices stay in the inventory').count()).toBe(1);
    await page.getByRole('button', { name: 'Delete group renamed' }).click();
    await page.waitForURL(`${app.url}/groups`);
    expect(await page.getByRole('link', { name: 'renamed' }).count()).toBe(0);

    await page.goto(`${app.url}/templates/new`);
    await page.getByLabel('Name').fill('short-lived');
    await page.getByLabel('Body').fill('show clock');
    await page.getByRole('button', { name: /save|create/i }).click();
    await page.waitForURL(/\/templates\/\d+/);
    await page.getByRole('link', { name: 'Delete' }).click();
    await page.waitForURL(/\/delete$/);
    await page.getByRole('button', { name: 'Delete template short-lived' }).click();
    await page.waitForURL(`${app.url}/templates`);
    expect(await page.getByRole('link', { name: 'short-lived' }).count()).toBe(0);
  });

  it('runs show version on a simulated device and shows the output', async () => {
    await signIn(ADMIN);
    await page.goto(`${app.url}/devices/${ids['e2e-r1']}`);
    await page.getByLabel('Command').fill('show version');
    await page.getByRole('button', { name: 'Run command' }).click();
    await expect
      .poll(() => page.getByTestId('run-status').textContent(), { timeout: 30_000 })
      .toBe('ok');
    const output = (await page.getByTestId('run-output').textContent()) ?? '';
    const expected = await commandOutput(
      { hostname: 'e2e-r1', platform: 'cisco_ios' },
      'show version',
    );
    expect(output.trim()).toBe(expected.trim());
    expect(output).toContain('e2e-r1 uptime is');
    await screenshot(page, 'run-output');
  });

  it('a viewer sees no button it may not use, and no page shows a secret', async () => {
    await signIn(VIEWER);
    expect(await page.getByTestId('role').textContent()).toBe('viewer');
    expect(await page.getByRole('link', { name: 'Add device' }).count()).toBe(0);
    expect(await page.getByRole('link', { name: 'Import' }).count()).toBe(0);
    await page.goto(`${app.url}/devices/${ids['e2e-r1']}`);
    expect(await page.getByRole('heading', { name: 'e2e-r1' }).count()).toBe(1);
    expect(await page.getByRole('button', { name: /^Run/ }).count()).toBe(0);
    expect(await page.getByLabel('Command').count()).toBe(0);
    expect(await page.getByRole('link', { name: 'Edit' }).count()).toBe(0);
    expect(await page.getByRole('link', { name: 'Delete' }).count()).toBe(0);
    expect(await page.getByLabel('Add to group').count()).toBe(0);
    // Runs made by others are readable.
    expect(await page.locator('tbody').textContent()).toContain('show version');
    await screenshot(page, 'viewer-device');
    const html = await page.content();
    for (const secret of [
      DEVSIM.NETAUTO_DEVSIM_PASSWORD,
      DEVSIM.NETAUTO_DEVSIM_ENABLE,
      ADMIN.password,
    ]) {
      expect(html).not.toContain(secret);
    }
    await page.goto(`${app.url}/groups`);
    expect(await page.getByRole('button', { name: 'Create group' }).count()).toBe(0);
    await page.goto(`${app.url}/templates`);
    expect(await page.getByRole('link', { name: 'New template' }).count()).toBe(0);
  });

  it('answers health checks, sends security headers, and refuses cookie calls to the API from another site', async () => {
    expect((await fetch(`${app.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${app.url}/readyz`)).status).toBe(200);
    const res = await fetch(`${app.url}/login`);
    expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('referrer-policy')).toBe('same-origin');

    const crossSite = await fetch(`${app.url}/api/trpc/auth.login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: 'https://evil.example' },
      body: JSON.stringify(ADMIN),
    });
    expect(crossSite.status).toBe(403);
    const sameSite = await fetch(`${app.url}/api/trpc/auth.login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: app.url },
      body: JSON.stringify(ADMIN),
    });
    expect(sameSite.status).toBe(200);
    expect(sameSite.headers.get('set-cookie')).toMatch(/^netauto_session=.*HttpOnly; SameSite=Lax/);
    // A form posted from elsewhere is refused too (SvelteKit's origin check).
    const form = await fetch(`${app.url}/login`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        origin: 'https://evil.example',
      },
      body: 'email=a%40b.c&password=x',
    });
    expect(form.status).toBe(403);
  });

  it("refuses a viewer's posts straight to operator and admin actions, changing nothing", async () => {
    const cookieOf = async (who: { email: string; password: string }) => {
      const res = await fetch(`${app.url}/api/trpc/auth.login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: app.url },
        body: JSON.stringify(who),
      });
      return (res.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    };
    const viewer = await cookieOf(VIEWER);
    const post = (path: string, fields: Record<string, string>) =>
      fetch(`${app.url}${path}`, {
        method: 'POST',
        headers: {
          cookie: viewer,
          origin: app.url,
          'content-type': 'application/x-www-form-urlencoded',
          'x-sveltekit-action': 'true',
        },
        body: new URLSearchParams(fields).toString(),
        redirect: 'manual',
      });
    const count = async (procedure: string, input: unknown) => {
      const res = await fetch(
        `${app.url}/api/trpc/${procedure}?input=${encodeURIComponent(JSON.stringify(input))}`,
        { headers: { cookie: viewer } },
      );
      return ((await res.json()) as { result: { data: { items: unknown[] } } }).result.data.items
        .length;
    };
    const runsBefore = await count('runs.list', { limit: 100 });
    const attempts = [
      post('/devices/new', {
        hostname: 'viewer-made',
        ip: '192.0.2.77',
        username: 'netops',
        credRef: 'env:LAB',
        platform: 'linux',
      }),
      post(`/devices/${ids['e2e-h1'] ?? 0}?/run`, { command: 'uptime' }),
      post('/admin/users?/create', {
        email: 'made-by-viewer@example.net',
        password: 'a-long-password-1',
        role: 'admin',
      }),
      post('/admin/tokens?/create', { name: 'viewer-token' }),
    ];
    for (const res of await Promise.all(attempts)) {
      // Refused: never a redirect to what was made, never a 2xx that made it.
      expect(res.status).not.toBe(303);
      const body = await res.text();
      expect(body).not.toMatch(/nat_[A-Za-z0-9_-]{10,}/);
    }
    expect(await count('devices.list', { q: 'viewer-made', limit: 5 })).toBe(0);
    expect(await count('runs.list', { limit: 100 })).toBe(runsBefore);
    const admin = await cookieOf(ADMIN);
    const users = await fetch(
      `${app.url}/api/trpc/admin.users.list?input=${encodeURIComponent(JSON.stringify({}))}`,
      { headers: { cookie: admin } },
    );
    expect(await users.text()).not.toContain('made-by-viewer@example.net');
  });

  it('sends a signed-in user only to pages of this site, and answers a refused search on the page', async () => {
    const sameSite = await fetch(`${app.url}/api/trpc/auth.login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: app.url },
      body: JSON.stringify(ADMIN),
    });
    const cookie = (sameSite.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    const after = async (next: string) =>
      (
        await fetch(`${app.url}/login?next=${encodeURIComponent(next)}`, {
          headers: { cookie },
          redirect: 'manual',
        })
      ).headers.get('location');
    expect(await after('/groups?q=core')).toBe('/groups?q=core');
    for (const elsewhere of [
      '//evil.example',
      '/\\evil.example',
      '/\t/evil.example',
      'https://evil.example',
    ]) {
      expect(await after(elsewhere)).toBe('/devices');
    }
    // A search longer than the API takes is said on the page, not answered with a 500.
    const long = await fetch(`${app.url}/groups?q=${'x'.repeat(300)}`, { headers: { cookie } });
    expect(long.status).toBe(200);
    expect(await long.text()).toMatch(/role="alert"/);
    const find = await fetch(`${app.url}/groups/1?find=${'x'.repeat(300)}`, {
      headers: { cookie },
    });
    expect(find.status).toBe(200);
  });
});
