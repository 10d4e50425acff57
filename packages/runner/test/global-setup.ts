import { setupTestPostgres, type TestPostgres } from '@netauto/db/testing';
import type { TestProject } from 'vitest/node';

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
