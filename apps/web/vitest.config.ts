import { defineConfig } from 'vitest/config';

// CI collects a JSON report per package when VITEST_JSON_DIR is set.
const jsonDir = process.env.VITEST_JSON_DIR;

// End-to-end: the built app (`pnpm build` first; turbo's test task does) in a real
// Chromium, on a real PostgreSQL, with simulated devices over SSH.
export default defineConfig({
  test: {
    reporters: jsonDir ? ['default', ['json', { outputFile: `${jsonDir}/web.json` }]] : ['default'],
    include: ['test/**/*.test.ts', 'src/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    fileParallelism: false,
  },
});
