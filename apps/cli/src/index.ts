#!/usr/bin/env node
// The netauto command: wires the command groups together and is the one exit point.
import { Command, CommanderError } from '@commander-js/extra-typings';
import { authCommands } from './commands/auth.js';
import { bulksCommand } from './commands/bulks.js';
import { completionCommand } from './commands/completion.js';
import { devicesCommand } from './commands/devices.js';
import { groupsCommand } from './commands/groups.js';
import { runCommand } from './commands/run.js';
import { runsCommand } from './commands/runs.js';
import { templatesCommand } from './commands/templates.js';
import { tokensCommand } from './commands/tokens.js';
import { usersCommand } from './commands/users.js';
import { Context, VERSION } from './context.js';
import { readCliEnv, type CliEnv } from './env.js';
import { describeError, EXIT_FAILED, EXIT_OK, EXIT_USAGE } from './errors.js';
import { colorsFor } from './output.js';

function buildProgram(
  ctx: () => Context,
): Command<[], { url?: string; token?: string; json?: true; debug?: true }> {
  const program = new Command('netauto')
    .description('NetAuto from a terminal or a script: inventory, templates, runs and bulk runs')
    .version(VERSION, '-V, --version')
    .option('--url <url>', 'the NetAuto server (default: $NETAUTO_URL, then the config file)')
    .option('--token <token>', 'an API token (default: $NETAUTO_TOKEN, then the config file)')
    .option('--json', 'print only JSON on stdout (messages go to stderr)')
    .option('--debug', 'show the stack trace of errors');
  for (const command of authCommands(ctx)) program.addCommand(command);
  program.addCommand(devicesCommand(ctx));
  program.addCommand(groupsCommand(ctx));
  program.addCommand(templatesCommand(ctx));
  program.addCommand(runCommand(ctx));
  program.addCommand(runsCommand(ctx));
  program.addCommand(bulksCommand(ctx));
  program.addCommand(usersCommand(ctx));
  program.addCommand(tokensCommand(ctx));
  program.addCommand(completionCommand(ctx, () => program));
  return program;
}

/** Every command throws instead of exiting, and says how to get help after a usage error. */
function configure(command: Command): void {
  command
    .exitOverride()
    .showSuggestionAfterError()
    .showHelpAfterError(`(see \`${fullName(command)} --help\`)`)
    .configureOutput({
      outputError: (text, write) => {
        write(text.replace(/^error: /, 'netauto: '));
      },
    });
  for (const sub of command.commands) configure(sub as Command);
}

function fullName(command: Command): string {
  const names: string[] = [];
  for (let c: Command | null = command; c; c = c.parent as Command | null) names.unshift(c.name());
  return names.join(' ');
}

async function main(argv: string[]): Promise<number> {
  let env: CliEnv;
  try {
    // The one place the CLI reads its environment; commands get these settings.
    env = readCliEnv(process.env);
  } catch (error) {
    process.stderr.write(`netauto: ${error instanceof Error ? error.message : String(error)}\n`);
    return EXIT_USAGE;
  }
  let context: Context | undefined;
  const program = buildProgram(() => (context ??= new Context(env, program.opts())));
  configure(program);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return EXIT_OK;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version end well; anything else commander refused is a usage error,
      // and commander has said what it was.
      return error.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    }
    const server = await context?.server().catch(() => undefined);
    const { message, exitCode } = describeError(error, server?.url);
    const err = colorsFor(process.stderr, env);
    process.stderr.write(`${err.red('netauto:')} ${message}\n`);
    const debug = program.opts().debug === true || argv.includes('--debug');
    if (debug && error instanceof Error) process.stderr.write(`${error.stack ?? ''}\n`);
    return exitCode;
  }
}

// `netauto … | head` closes stdout early: that is not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(EXIT_OK);
  process.stderr.write(`netauto: could not write the output (${error.code ?? error.message})\n`);
  process.exit(EXIT_FAILED);
});

const code = await main(process.argv.slice(2));
await new Promise<void>((resolve) =>
  process.stdout.write('', () => {
    resolve();
  }),
);
process.exit(code);
