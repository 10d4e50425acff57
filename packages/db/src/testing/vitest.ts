import type {} from 'vitest';
import type { TestProject } from 'vitest/node';
import { setupTestPostgres, type TestPostgres } from './postgres.js';

declare module 'vitest' {
  export interface ProvidedContext {
    netautoPg: TestPostgres;
  }
}

/**
 * A vitest globalSetup: one throwaway PostgreSQL with a migrated template for a
 * package's test run, handed to test files as `inject('netautoPg')`.
 */
export default async function provideTestPostgres(project: TestProject) {
  const pg = await setupTestPostgres();
  project.provide('netautoPg', { adminUrl: pg.adminUrl, template: pg.template });
  return () => pg.stop();
}
