import { Command, type CommandUnknownOpts } from '@commander-js/extra-typings';
import type { ApiToken } from '@netauto/schema';
import type { Context } from '../context.js';
import { collectIds, positiveInt } from '../options.js';
import { when } from '../output.js';
import { resolveUser } from '../resolve.js';

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
    .argument('<ids...>', 'token ids (see `netauto tokens list`)', collectIds('a token id'))
    .action(async (ids) => {
      const c = ctx();
      const api = await c.client();
      const revoked = [];
      for (const id of ids) revoked.push(await api.auth.tokens.revoke.mutate({ id }));
      c.out.emit(revoked, (list) => {
        for (const t of list) c.out.success(`revoked token ${t.id} "${t.name}" of ${t.userEmail}`);
      });
    });

  return tokens;
}
