import { createServices, type Identity, type Services } from '@netauto/api';
import { loadConfig } from '@netauto/config';
import { createTestDatabase } from '@netauto/db/testing';
import { startLab, type Lab, type SimDeviceSpec } from '@netauto/devsim';
import type { UserRole } from '@netauto/schema';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, inject } from 'vitest';
import { DEVSIM, signIn, startApp, startBrowser, type RunningApp } from './app.js';

interface Account {
  email: string;
  password: string;
}

/** What a suite's `seed` gets: the services on its database, an admin to act as, its lab. */
export interface Seeding {
  services: Services;
  actor: Identity;
  lab: Lab;
}

export interface BrowserSuite {
  app: RunningApp;
  lab: Lab;
  browser: Awaited<ReturnType<typeof startBrowser>>;
  page: Page;
  /** Signs in through the sign-in page, in a fresh session. */
  signIn(who: Account): Promise<void>;
}

/**
 * The world of a browser suite, set up before its tests and taken down after them: a
 * database of its own, simulated devices, the users (the first one is the app's admin),
 * what `seed` adds, then the built app on that database and Chromium. The fields are
 * set once the suite's first hook has run; the app must exit cleanly at the end.
 */
export function browserSuite(options: {
  devices: SimDeviceSpec[];
  users: [Account & { role: 'admin' }, ...(Account & { role: UserRole })[]];
  seed: (seeding: Seeding) => Promise<void>;
  /** More environment for the app. */
  env?: Record<string, string>;
}): BrowserSuite {
  const suite = {
    signIn: (who: Account) => signIn(suite.browser, suite.app.url, who),
  } as BrowserSuite;
  const teardown: (() => Promise<unknown>)[] = [];

  beforeAll(async () => {
    const test = await createTestDatabase(inject('netautoPg'));
    teardown.unshift(() => test.drop());
    suite.lab = await startLab({ devices: options.devices });
    teardown.unshift(() => suite.lab.stop());
    const services = createServices(test.db, loadConfig({}));
    teardown.unshift(() => services.hub.stop());
    const [admin, ...others] = options.users;
    const user = await services.users.create(null, admin);
    for (const other of others) await services.users.create(null, other);
    await options.seed({
      services,
      actor: { user, via: 'session', readOnly: false },
      lab: suite.lab,
    });

    suite.app = await startApp({
      DATABASE_URL: test.url,
      NETAUTO_ADMIN_EMAIL: admin.email,
      NETAUTO_ADMIN_PASSWORD: admin.password,
      NETAUTO_WORKERS: '1',
      ...DEVSIM,
      ...options.env,
    });
    teardown.unshift(async () => {
      expect(await suite.app.stop()).toBe(0);
    });
    suite.browser = await startBrowser();
    teardown.unshift(() => suite.browser.close());
    suite.page = suite.browser.page;
  });

  afterAll(async () => {
    // In the reverse order of setting up; what failed to start is not stopped.
    for (const step of teardown) await step();
  });

  return suite;
}
