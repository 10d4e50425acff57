import { createTestDatabase } from '@netauto/db/testing';
import { afterAll, inject } from 'vitest';

/** A migrated database of this test file's own. */
export async function useTestDatabase() {
  const test = await createTestDatabase(inject('netautoPg'));
  afterAll(() => test.drop());
  return test;
}
