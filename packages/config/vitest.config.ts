import { defineConfig } from 'vitest/config';

// CI collects a JSON report per package when VITEST_JSON_DIR is set.
const jsonDir = process.env.VITEST_JSON_DIR;

export default defineConfig({
  test: {
    reporters: jsonDir
      ? ['default', ['json', { outputFile: `${jsonDir}/config.json` }]]
      : ['default'],
    include: ['src/**/*.test.ts'],
  },
});
