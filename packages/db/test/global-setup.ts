import type { TestProject } from 'vitest/node';
import { setupTestPostgres, type TestPostgres } from '../src/testing/index.js';

declare module 'vitest' {
  export interface ProvidedContext {
    netautoPg: TestPostgres;
  }
}

export default async function setup(project: TestProject) {
  const pg = await setupTestPostgres();
  project.provide('netautoPg', { adminUrl: pg.adminUrl, template: pg.template });
  return () => pg.stop();
}
