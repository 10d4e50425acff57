import type { TestPostgres } from '@netauto/db/testing';

export { default } from '@netauto/db/testing/vitest';

// This package's vitest may be another copy than the db package's (prom-client brings
// @opentelemetry/api, an optional peer of vitest): declare the injected value for it too.
declare module 'vitest' {
  export interface ProvidedContext {
    netautoPg: TestPostgres;
  }
}
