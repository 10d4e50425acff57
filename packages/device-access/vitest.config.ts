import { defineConfig } from 'vitest/config';

// CI collects a JSON report per package when VITEST_JSON_DIR is set.
const jsonDir = process.env.VITEST_JSON_DIR;

export default defineConfig({
  test: {
    reporters: jsonDir
      ? ['default', ['json', { outputFile: `${jsonDir}/device-access.json` }]]
      : ['default'],
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
