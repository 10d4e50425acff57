import type { TestPostgres } from '@netauto/db/testing';

// One throwaway PostgreSQL with a migrated template for this package's tests.
export { default } from '@netauto/db/testing/vitest';

// The web app resolves its own copy of vitest's types: restate what the setup provides.
declare module 'vitest' {
  export interface ProvidedContext {
    netautoPg: TestPostgres;
  }
}
