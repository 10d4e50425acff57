import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from '@netauto/db';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

/** Where screenshots go (ignored by git). */
export const ARTIFACTS = path.resolve(import.meta.dirname, '../artifacts/e2e');

/** The credentials of the simulated devices (credRef env:DEVSIM), for the app's workers. */
export const DEVSIM = {
  NETAUTO_DEVSIM_USERNAME: 'netops',
  NETAUTO_DEVSIM_PASSWORD: 'netops-pass',
  NETAUTO_DEVSIM_ALLOW: '127.0.0.0/8,::1',
  NETAUTO_DEVSIM_ENABLE: 'enable-pass',
};

/** Signs in through the sign-in page, in a fresh session, and waits for the device list. */
export async function signIn(
  browser: { context: BrowserContext; page: Page },
  appUrl: string,
  who: { email: string; password: string },
): Promise<void> {
  const { page } = browser;
  await browser.context.clearCookies();
  await page.goto(`${appUrl}/login`);
  await page.getByLabel('E-mail').fill(who.email);
  await page.getByLabel('Password').fill(who.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${appUrl}/devices`);
}

/** Chromium as these machines have it (Debian's), headless, offline, with a fresh profile. */
export async function startBrowser(): Promise<{
  context: BrowserContext;
  page: Page;
  close(): Promise<void>;
}> {
  const profile = mkdtempSync(path.join(tmpdir(), 'netauto-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    viewport: { width: 1366, height: 860 },
  });
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    context,
    page,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
}

export interface RunningApp {
  url: string;
  output(): string;
  stop(): Promise<number | null>;
}

/** The built app (dist/server/start.js) as `pnpm start` runs it, on the given database. */
export async function startApp(env: Record<string, string>): Promise<RunningApp> {
  const port = await freePort();
  const child: ChildProcess = spawn(
    process.execPath,
    [path.resolve(import.meta.dirname, '../dist/server/start.js')],
    {
      env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`the app did not start:\n${out}`));
    }, 60_000);
    const check = () => {
      if (out.includes('NetAuto on http://')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`the app exited (${String(code)}):\n${out}`));
    });
  });
  return {
    url: `http://127.0.0.1:${port}`,
    output: () => out,
    async stop() {
      child.kill('SIGINT');
      return exited;
    },
  };
}
