import { Command, Option, type CommandUnknownOpts } from '@commander-js/extra-typings';
import { password } from '@inquirer/prompts';
import { USER_ROLES } from '@netauto/schema';
import type { Context } from '../context.js';
import { UsageError } from '../errors.js';
import { readStdinLine } from '../io.js';
import { when } from '../output.js';
import { resolveUser } from '../resolve.js';

/** A new password: piped in with --password-stdin, or typed twice on a terminal. */
async function newPassword(fromStdin: boolean | undefined): Promise<string> {
  if (fromStdin) return readStdinLine();
  if (!process.stdin.isTTY || !process.stderr.isTTY) {
    throw new UsageError('give --password-stdin and pipe the password when not on a terminal');
  }
  const context = { output: process.stderr };
  const first = await password(
    { message: 'New password (10 characters or more)', mask: '*' },
    context,
  );
  const again = await password({ message: 'Once more', mask: '*' }, context);
  if (first !== again) throw new UsageError('the two passwords differ: try again');
  return first;
}

export function usersCommand(ctx: () => Context): CommandUnknownOpts {
  const users = new Command('users').description('user accounts (admins only)');

  users
    .command('list')
    .description('list users')
    .option('--q <text>', 'text in the e-mail')
    .addOption(new Option('--role <role>', 'only this role').choices(USER_ROLES))
    .option('--disabled', 'only disabled users')
    .action(async (o) => {
      const c = ctx();
      const api = await c.client();
      const list = await api.admin.users.list.query({
        ...(o.q && { q: o.q }),
        ...(o.role && { role: o.role }),
        ...(o.disabled && { disabled: true }),
      });
      c.out.emit(list, (items) => {
        c.out.table(
          ['ID', 'E-MAIL', 'ROLE', 'DISABLED', 'CREATED'],
          items.map((u) => [u.id, u.email, u.role, u.disabled ? 'yes' : 'no', when(u.createdAt)]),
        );
      });
    });

  users
    .command('show')
    .description('one user')
    .argument('<user>', 'e-mail or id')
    .action(async (ref) => {
      const c = ctx();
      const api = await c.client();
      const u = await resolveUser(api, ref);
      c.out.emit(u, () => {
        c.out.record([
          ['id', u.id],
          ['e-mail', u.email],
          ['role', u.role],
          ['disabled', u.disabled ? 'yes' : 'no'],
          ['created', when(u.createdAt)],
          ['updated', when(u.updatedAt)],
        ]);
      });
    });

  users
    .command('add')
    .description('add a user; the password is typed, or piped with --password-stdin')
    .argument('<email>', 'their e-mail')
    .addOption(
      new Option('--role <role>', 'their role').choices(USER_ROLES).default('viewer' as const),
    )
    .option('--password-stdin', 'read the password from stdin')
    .action(async (email, o) => {
      const c = ctx();
      const api = await c.client();
      const secret = await newPassword(o.passwordStdin);
      const u = await api.admin.users.create.mutate({ email, password: secret, role: o.role });
      c.out.emit(u, () => {
        c.out.success(`added ${u.email} (${u.role}, id ${u.id})`);
      });
    });

  users
    .command('edit')
    .description("change a user's e-mail, role, or whether they may sign in")
    .argument('<user>', 'e-mail or id')
    .option('--email <email>', 'a new e-mail')
    .addOption(new Option('--role <role>', 'a new role').choices(USER_ROLES))
    .option('--disable', 'they may no longer sign in')
    .option('--enable', 'they may sign in again')
    .action(async (ref, o) => {
      const c = ctx();
      if (o.disable && o.enable) throw new UsageError('give --disable or --enable, not both');
      if (!o.email && !o.role && !o.disable && !o.enable) {
        throw new UsageError('nothing to change: give --email, --role, --disable or --enable');
      }
      const api = await c.client();
      const user = await resolveUser(api, ref);
      const u = await api.admin.users.update.mutate({
        id: user.id,
        ...(o.email && { email: o.email }),
        ...(o.role && { role: o.role }),
        ...(o.disable && { disabled: true }),
        ...(o.enable && { disabled: false }),
      });
      c.out.emit(u, () => {
        c.out.success(`updated ${u.email} (${u.role}${u.disabled ? ', disabled' : ''})`);
      });
    });

  users
    .command('reset-password')
    .description("set a user's password")
    .argument('<user>', 'e-mail or id')
    .option('--password-stdin', 'read the password from stdin')
    .action(async (ref, o) => {
      const c = ctx();
      const api = await c.client();
      const user = await resolveUser(api, ref);
      const secret = await newPassword(o.passwordStdin);
      const u = await api.admin.users.resetPassword.mutate({ id: user.id, password: secret });
      c.out.emit(u, () => {
        c.out.success(`password of ${u.email} changed`);
      });
    });

  return users;
}
