import { defineConfig } from 'vitest/config';

// CI collects a JSON report per package when VITEST_JSON_DIR is set.
const jsonDir = process.env.VITEST_JSON_DIR;

// Real processes (the built web server, netauto-worker), a PostgreSQL of each scenario's
// own that is stopped and started, simulated devices: one scenario at a time.
export default defineConfig({
  test: {
    reporters: jsonDir
      ? ['default', ['json', { outputFile: `${jsonDir}/faults.json` }]]
      : ['default'],
    include: ['test/**/*.test.ts'],
    testTimeout: 180_000,
    hookTimeout: 60_000,
    fileParallelism: false,
  },
});
