#!/usr/bin/env node
// Creates a user (the first admin, typically):
//   pnpm --filter @netauto/api admin:create -- --email ops@example.net --role admin [--password …]
// Without --password (or NETAUTO_ADMIN_PASSWORD) a strong one is generated and printed once.
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { loadConfig } from '@netauto/config';
import { ConflictError, openDatabase } from '@netauto/db';
import { UserRole } from '@netauto/schema';
import { UsersService } from '../admin/users.service.js';
import { databaseStore } from '../store.js';

const { values } = parseArgs({
  args: process.argv.slice(2).filter((a) => a !== '--'),
  options: {
    email: { type: 'string' },
    role: { type: 'string', default: 'admin' },
    password: { type: 'string' },
  },
});
// The one place this command reads its environment.
const config = loadConfig(process.env, ['database', 'api']);
const envPassword = config.api.NETAUTO_ADMIN_PASSWORD;
const email = values.email;
const role = UserRole.safeParse(values.role);
if (!email || !role.success) {
  console.error(
    'usage: admin:create --email EMAIL [--role viewer|operator|admin] [--password PASSWORD]',
  );
  process.exit(2);
}
const password = values.password ?? envPassword ?? randomBytes(12).toString('base64url');

const opened = await openDatabase(config);
try {
  await opened.db.migrate();
  const user = await new UsersService(databaseStore(opened.db)).create(null, {
    email,
    password,
    role: role.data,
  });
  console.log(`created ${user.role} ${user.email}`);
  if (!values.password && !envPassword) console.log(`password (shown once): ${password}`);
} catch (error) {
  console.error(
    error instanceof ConflictError
      ? `a user with the e-mail ${email} already exists`
      : `error: ${String(error)}`,
  );
  process.exitCode = 1;
} finally {
  await opened.close();
}
