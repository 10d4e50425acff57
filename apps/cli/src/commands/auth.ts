import { hostname } from 'node:os';
import { Command, type CommandUnknownOpts } from '@commander-js/extra-typings';
import { input, password } from '@inquirer/prompts';
import { errorInfo, sessionFetch } from '@netauto/client';
import { writeConfig } from '../config.js';
import type { Context } from '../context.js';
import { normalizeUrl } from '../context.js';
import { CliError, UsageError } from '../errors.js';
import { readStdinLine } from '../io.js';
import { positiveInt } from '../options.js';
import { when } from '../output.js';

/** Prompts go to stderr, so that stdout keeps only the command's result. */
const PROMPT_CONTEXT = { output: process.stderr };

function onTerminal(): boolean {
  return process.stdin.isTTY && process.stderr.isTTY;
}

export function authCommands(ctx: () => Context): CommandUnknownOpts[] {
  const login = new Command('login')
    .description(
      'sign in: asks for the server, your e-mail and password, and saves the server and a new API token in the config file (or saves --token)',
    )
    .option('--email <email>', 'your e-mail (asked when not given)')
    .option('--password-stdin', 'read the password from stdin (for scripts)')
    .option('--name <name>', 'a name for the API token', `netauto cli on ${hostname()}`)
    .option('--read-only', 'make a read-only token')
    .option(
      '--expires-in-days <days>',
      'the token stops working after this many days',
      positiveInt('--expires-in-days'),
    )
    .action(async (opts) => {
      const c = ctx();
      const { out } = c;
      let url = (await c.server())?.url;
      if (!url) {
        if (!onTerminal()) {
          throw new UsageError('no server given: pass --url or set NETAUTO_URL');
        }
        url = normalizeUrl(
          await input(
            { message: 'NetAuto server URL', default: 'http://127.0.0.1:3001' },
            PROMPT_CONTEXT,
          ),
          'the URL',
        );
      }
      // Only a token given for this login: NETAUTO_TOKEN may belong to another server.
      const given = c.globals.token;
      if (given) {
        // A token made elsewhere: check it, then keep it.
        const me = await c.clientFor(url, given).auth.me.query();
        await writeConfig(c.configFile, { url, token: given, email: me.email });
        out.emit({ url, user: userOf(me) }, () => {
          out.success(
            `signed in to ${url} as ${me.email} (${me.role}); the token is saved in ${c.configFile}`,
          );
        });
        return;
      }
      const email =
        opts.email ??
        (onTerminal()
          ? await input({ message: 'E-mail' }, PROMPT_CONTEXT)
          : (() => {
              throw new UsageError('give --email (and --password-stdin) when not on a terminal');
            })());
      let secret: string;
      if (opts.passwordStdin) secret = await readStdinLine();
      else if (onTerminal())
        secret = await password({ message: 'Password', mask: '*' }, PROMPT_CONTEXT);
      else
        throw new UsageError('give --password-stdin and pipe the password when not on a terminal');
      if (!secret) throw new UsageError('the password is empty');

      const api = c.anonymousClient(url, sessionFetch());
      let user;
      try {
        ({ user } = await api.auth.login.mutate({ email, password: secret }));
      } catch (error) {
        if (errorInfo(error)?.code === 'UNAUTHORIZED') {
          throw new CliError(
            `the e-mail or password is wrong for ${url}: check them and try again`,
          );
        }
        throw error;
      }
      const created = await api.auth.tokens.create.mutate({
        name: opts.name,
        readOnly: opts.readOnly === true,
        ...(opts.expiresInDays !== undefined && { expiresInDays: opts.expiresInDays }),
      });
      // The token is what the CLI keeps; the session is not needed any more.
      await api.auth.logout.mutate().catch(() => undefined);
      await writeConfig(c.configFile, {
        url,
        token: created.token,
        email: user.email,
        tokenId: created.apiToken.id,
      });
      out.emit({ url, user, token: created.apiToken }, () => {
        out.success(
          `signed in to ${url} as ${user.email} (${user.role}); token "${created.apiToken.name}" (${created.apiToken.prefix}…) saved in ${c.configFile}`,
        );
      });
    });

  const logout = new Command('logout')
    .description('revoke the token that `netauto login` made and forget it')
    .action(async () => {
      const c = ctx();
      const config = await c.loadConfig();
      if (!config.token) {
        c.out.emit({ ok: true as const, revoked: false }, () => {
          c.out.info('not signed in: nothing to do');
        });
        return;
      }
      let revoked = false;
      if (config.tokenId !== undefined && config.url) {
        try {
          await c
            .clientFor(normalizeUrl(config.url, c.configFile), config.token)
            .auth.tokens.revoke.mutate({
              id: config.tokenId,
            });
          revoked = true;
        } catch (error) {
          const code = errorInfo(error)?.code;
          // Already revoked or expired: it no longer works anyway.
          revoked = code === 'UNAUTHORIZED' || code === 'NOT_FOUND';
          if (!revoked)
            c.out.warn(
              `could not revoke the token on ${config.url}; it is forgotten here all the same`,
            );
        }
      }
      await writeConfig(c.configFile, { ...(config.url && { url: config.url }) });
      c.out.emit({ ok: true as const, revoked }, () => {
        c.out.success(`signed out${config.url ? ` of ${config.url}` : ''}`);
      });
    });

  const whoami = new Command('whoami')
    .description('who you are on the server, with which role')
    .action(async () => {
      const c = ctx();
      const api = await c.client();
      const me = await api.auth.me.query();
      const url = await c.serverUrl();
      c.out.emit(me, () => {
        c.out.record([
          ['server', url],
          ['e-mail', me.email],
          ['role', me.role],
          [
            'signed in with',
            me.via === 'token' ? `an API token${me.readOnly ? ' (read-only)' : ''}` : 'a session',
          ],
          ['user since', when(me.createdAt)],
        ]);
      });
    });

  return [login, logout, whoami];
}

function userOf<T extends { via: unknown; readOnly: unknown }>(me: T): Omit<T, 'via' | 'readOnly'> {
  const { via: _via, readOnly: _readOnly, ...user } = me;
  return user;
}
