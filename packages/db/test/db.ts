import { afterAll, inject } from 'vitest';
import { createTestDatabase, factories, type TestDatabase } from '../src/testing/index.js';
import { repositories } from '../src/repositories.js';

/** A database of this test file's own, dropped when the file's tests end. */
export async function useTestDatabase(): Promise<
  TestDatabase & { repos: ReturnType<typeof repositories>; make: ReturnType<typeof factories> }
> {
  const test = await createTestDatabase(inject('netautoPg'));
  afterAll(() => test.drop());
  return { ...test, repos: repositories(test.db), make: factories(test.db) };
}
