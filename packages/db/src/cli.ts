#!/usr/bin/env node
// Database commands: migrate, rollback, reset, status. Uses DATABASE_URL, or the
// embedded PostgreSQL in ./.netauto/pg when it is not set.
import { parseArgs } from 'node:util';
import { loadConfig } from '@netauto/config';
import { openDatabase } from './open.js';

const USAGE = `usage: netauto-db <migrate|rollback|reset|status> [--steps N]
  migrate   apply every pending migration (a no-op when none is pending)
  rollback  undo the last migration (or --steps N of them)
  reset     drop everything, then apply every migration
  status    list applied and pending migrations`;

async function main(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { steps: { type: 'string', default: '1' }, help: { type: 'boolean', short: 'h' } },
  });
  const command = positionals[0];
  if (values.help || !command) {
    console.log(USAGE);
    return command || values.help ? 0 : 2;
  }
  const steps = Number(values.steps);
  if (!Number.isInteger(steps) || steps < 1) {
    console.error('--steps must be a whole number of 1 or more');
    return 2;
  }
  if (!['migrate', 'rollback', 'reset', 'status'].includes(command)) {
    console.error(`unknown command "${command}"\n${USAGE}`);
    return 2;
  }

  const opened = await openDatabase(loadConfig(process.env, ['database']));
  const where = opened.embedded ? 'embedded PostgreSQL (.netauto/pg)' : 'DATABASE_URL';
  try {
    switch (command) {
      case 'migrate': {
        const done = await opened.db.migrate();
        console.log(
          done.length ? `applied ${done.join(', ')} on ${where}` : `nothing to apply on ${where}`,
        );
        break;
      }
      case 'rollback': {
        const done = await opened.db.rollback(steps);
        console.log(done.length ? `undid ${done.join(', ')} on ${where}` : 'nothing to undo');
        break;
      }
      case 'reset': {
        const done = await opened.db.reset();
        console.log(`dropped everything and applied ${done.join(', ')} on ${where}`);
        break;
      }
      case 'status': {
        const s = await opened.db.migrationStatus();
        console.log(`applied: ${s.applied.join(', ') || '(none)'}`);
        console.log(`pending: ${s.pending.join(', ') || '(none)'}`);
        break;
      }
    }
    return 0;
  } finally {
    await opened.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(`error: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  },
);
