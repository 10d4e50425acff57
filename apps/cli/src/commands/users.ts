import { Command, Option, type CommandUnknownOpts } from '@commander-js/extra-typings';
import { password } from '@inquirer/prompts';
import { USER_ROLES, type ApiToken } from '@netauto/schema';
import type { Context } from '../context.js';
import { UsageError } from '../errors.js';
import { readStdinLine } from '../io.js';
import { positiveInt } from '../options.js';
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

function printTokens(c: Context, tokens: ApiToken[]) {
  c.out.table(
    ['ID', 'NAME', 'USER', 'PREFIX', 'READ-ONLY', 'EXPIRES', 'LAST USED', 'REVOKED'],
    tokens.map((t) => [
      t.id,
      t.name,
      t.userEmail,
      `${t.prefix}…`,
      t.readOnly ? 'yes' : 'no',
      when(t.expiresAt),
      when(t.lastUsedAt),
      when(t.revokedAt),
    ]),
  );
}

export function tokensCommand(ctx: () => Context): CommandUnknownOpts {
  const tokens = new Command('tokens').description("API tokens: yours, or anyone's for admins");

  tokens
    .command('list')
    .description('your tokens; admins: --all or --user')
    .option('--all', "everyone's tokens (admins)")
    .option('--user <user>', "this user's tokens (admins): e-mail or id")
    .action(async (o) => {
      const c = ctx();
      const api = await c.client();
      let list: ApiToken[];
      if (o.user !== undefined) {
        const user = await resolveUser(api, o.user);
        list = await api.admin.tokens.list.query({ userId: user.id });
      } else if (o.all) list = await api.admin.tokens.list.query({});
      else list = await api.auth.tokens.list.query();
      c.out.emit(list, (items) => {
        printTokens(c, items);
      });
    });

  tokens
    .command('create')
    .description('make an API token; it is printed once, on stdout')
    .argument('<name>', 'what it is for, such as "ci"')
    .option('--read-only', 'it may only read')
    .option(
      '--expires-in-days <days>',
      'it stops working after this many days',
      positiveInt('--expires-in-days'),
    )
    .option('--user <user>', 'for this user (admins): e-mail or id')
    .action(async (name, o) => {
      const c = ctx();
      const api = await c.client();
      const fields = {
        name,
        readOnly: o.readOnly === true,
        ...(o.expiresInDays !== undefined && { expiresInDays: o.expiresInDays }),
      };
      const created =
        o.user !== undefined
          ? await api.admin.tokens.create.mutate({
              ...fields,
              userId: (await resolveUser(api, o.user)).id,
            })
          : await api.auth.tokens.create.mutate(fields);
      c.out.emit(created, (t) => {
        c.out.info(
          `token "${t.apiToken.name}" for ${t.apiToken.userEmail} (id ${t.apiToken.id}); it is shown this once:`,
        );
        c.out.write(`${t.token}\n`);
      });
    });

  tokens
    .command('revoke')
    .description('revoke tokens: they stop working at once')
    .argument('<ids...>', 'token ids (see `netauto tokens list`)')
    .action(async (ids) => {
      const c = ctx();
      const api = await c.client();
      const revoked = [];
      for (const text of ids)
        revoked.push(await api.auth.tokens.revoke.mutate({ id: positiveInt('a token id')(text) }));
      c.out.emit(revoked, (list) => {
        for (const t of list) c.out.success(`revoked token ${t.id} "${t.name}" of ${t.userEmail}`);
      });
    });

  return tokens;
}
