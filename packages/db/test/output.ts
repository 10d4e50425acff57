import { useTestDatabase } from './db.js';

/**
 * A database of the test file's own, with the chunks and runs repositories and a way to
 * make a run that is running (ready to take output).
 */
export async function useOutputFixture() {
  const test = await useTestDatabase();
  const { chunks, runs } = test.repos;
  async function runningRun() {
    const run = await test.make.run();
    await runs.markRunning(run.id);
    return run;
  }
  return { ...test, chunks, runs, runningRun };
}
