// Sums vitest JSON reports (one per package) into one line: "tests: N passed, N failed".
// A test file that failed to load counts as one failure; no report at all counts as one too,
// and so does each expected report that is missing.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

const dir = process.argv[2] ?? '.test-results';
// The reports expected: one per workspace with a vitest config (named as the folder).
const expected = process.argv.slice(3);
const reports = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.json')) : [];
const missing = expected.filter((name) => !reports.includes(`${name}.json`));
for (const name of missing) console.log(`no test report from ${name}: its tests did not run`);
let passed = 0;
let failed = (reports.length === 0 ? 1 : 0) + missing.length;
for (const name of reports) {
  const report = JSON.parse(readFileSync(path.join(dir, name), 'utf8'));
  passed += report.numPassedTests ?? 0;
  failed += report.numFailedTests ?? 0;
  if ((report.numFailedTestSuites ?? 0) > 0 && (report.numFailedTests ?? 0) === 0) failed += 1;
}
console.log(`tests: ${passed} passed, ${failed} failed`);
// A failure counted here fails the run even if a runner's own exit code hid it.
if (failed > 0) process.exitCode = 1;
