#!/usr/bin/env node
// Writes the table of environment variables into the repository's README.md, between
// its markers, from the configuration sections.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { withVariablesTable } from '../docs.js';

const readme = path.resolve(import.meta.dirname, '../../../../README.md');
const before = await readFile(readme, 'utf8');
const after = withVariablesTable(before);
if (after === before) {
  console.log('README.md: the table of variables is up to date');
} else {
  await writeFile(readme, after);
  console.log('README.md: the table of variables was rewritten');
}
