import { Argument, Command, type CommandUnknownOpts } from '@commander-js/extra-typings';
import type { Context } from '../context.js';
import { UsageError } from '../errors.js';

interface OptionSpec {
  flags: string[];
  description: string;
  choices: readonly string[] | undefined;
  takesValue: boolean;
}

interface CommandSpec {
  /** The words from the top, such as `devices list`; '' for netauto itself. */
  path: string;
  commands: { name: string; description: string }[];
  options: OptionSpec[];
}

/** Every command and option of the program, as a table for the shell scripts. */
export function specsOf(root: CommandUnknownOpts): CommandSpec[] {
  const specs: CommandSpec[] = [];
  const walk = (command: CommandUnknownOpts, path: string) => {
    const options = [
      ...command.options
        .filter((o) => !o.hidden)
        .map((o) => ({
          flags: [o.short, o.long].filter((f): f is string => f !== undefined),
          description: o.description,
          choices: o.argChoices,
          takesValue: o.required || o.optional,
        })),
      { flags: ['-h', '--help'], description: 'show help', choices: undefined, takesValue: false },
    ];
    specs.push({
      path,
      commands: command.commands.map((c) => ({ name: c.name(), description: c.description() })),
      options,
    });
    for (const sub of command.commands) walk(sub, path ? `${path} ${sub.name()}` : sub.name());
  };
  walk(root, '');
  return specs;
}

/** Shell words in single quotes. */
function quote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** The short summary of a description: its first clause. */
function brief(text: string): string {
  return (text.split(/[:;(]/)[0] ?? '').trim();
}

export function bashScript(specs: CommandSpec[]): string {
  const paths = specs.filter((s) => s.path !== '').map((s) => quote(s.path));
  const choiceCases = specs.flatMap((s) =>
    s.options
      .filter((o) => o.choices)
      .flatMap((o) =>
        o.flags.map(
          (f) =>
            `    ${quote(`${s.path}|${f}`)}) COMPREPLY=($(compgen -W ${quote((o.choices ?? []).join(' '))} -- "$cur")); return ;;`,
        ),
      ),
  );
  const wordCases = specs.map((s) => {
    const words = [
      ...s.commands.map((c) => c.name),
      ...s.options.flatMap((o) => o.flags.filter((f) => f.startsWith('--'))),
    ];
    return `    ${quote(s.path)}) words=${quote(words.join(' '))} ;;`;
  });
  return `# bash completion for netauto. Load it with:
#   source <(netauto completion bash)
# or keep it: netauto completion bash > ~/.local/share/bash-completion/completions/netauto
_netauto() {
  local cur prev path w i words
  cur="\${COMP_WORDS[COMP_CWORD]}"
  prev="\${COMP_WORDS[COMP_CWORD-1]}"
  path=""
  for ((i = 1; i < COMP_CWORD; i++)); do
    w="\${COMP_WORDS[i]}"
    case "$w" in -*) continue ;; esac
    case "\${path:+$path }$w" in
      ${paths.join('|')}) path="\${path:+$path }$w" ;;
    esac
  done
  case "$path|$prev" in
${choiceCases.join('\n')}
  esac
  case "$path" in
${wordCases.join('\n')}
    *) words="" ;;
  esac
  COMPREPLY=($(compgen -W "$words" -- "$cur"))
}
complete -o default -F _netauto netauto
`;
}

export function zshScript(specs: CommandSpec[]): string {
  const paths = specs.filter((s) => s.path !== '').map((s) => quote(s.path));
  const choiceCases = specs.flatMap((s) =>
    s.options
      .filter((o) => o.choices)
      .flatMap((o) =>
        o.flags.map(
          (f) =>
            `    (${quote(`${s.path}|${f}`)}) compadd -- ${(o.choices ?? []).map(quote).join(' ')}; return ;;`,
        ),
      ),
  );
  const candCases = specs.map((s) => {
    const commands = s.commands.map((c) => quote(`${c.name}:${brief(c.description)}`));
    const options = s.options.flatMap((o) =>
      o.flags.filter((f) => f.startsWith('--')).map((f) => quote(`${f}:${brief(o.description)}`)),
    );
    return `    (${quote(s.path)}) commands=(${commands.join(' ')}); options=(${options.join(' ')}) ;;`;
  });
  return `#compdef netauto
# zsh completion for netauto. Load it with:
#   source <(netauto completion zsh)
# or keep it as _netauto in a folder of $fpath (before compinit runs).
_netauto() {
  local -a commands options
  local p="" w i prev
  for ((i = 2; i < CURRENT; i++)); do
    w=\${words[i]}
    [[ $w == -* ]] && continue
    case "\${p:+$p }$w" in
      (${paths.join('|')}) p="\${p:+$p }$w" ;;
    esac
  done
  prev=\${words[CURRENT-1]}
  case "$p|$prev" in
${choiceCases.join('\n')}
  esac
  case "$p" in
${candCases.join('\n')}
  esac
  if [[ \${words[CURRENT]} == -* ]]; then
    _describe -t options 'option' options
  elif (( \${#commands} )); then
    _describe -t commands 'command' commands
  else
    _files
  fi
}
if [[ \${zsh_eval_context[-1]} == loadautofunc ]]; then
  _netauto "$@"
else
  compdef _netauto netauto
fi
`;
}

export function completionCommand(
  ctx: () => Context,
  program: () => CommandUnknownOpts,
): CommandUnknownOpts {
  return new Command('completion')
    .description(
      'print the shell completion script for bash or zsh: source <(netauto completion bash)',
    )
    .addArgument(
      new Argument('[shell]', 'bash or zsh (default: from $SHELL)').choices([
        'bash',
        'zsh',
      ] as const),
    )
    .action((shell) => {
      const c = ctx();
      const chosen =
        shell ??
        (c.env.SHELL?.endsWith('zsh') ? 'zsh' : c.env.SHELL?.endsWith('bash') ? 'bash' : undefined);
      if (!chosen)
        throw new UsageError('say which shell: netauto completion bash, or netauto completion zsh');
      const root = program();
      const globals = root.options.map((o) => ({
        flags: [o.short, o.long].filter((f): f is string => f !== undefined),
        description: o.description,
        choices: o.argChoices,
        takesValue: o.required || o.optional,
      }));
      const specs = specsOf(root).map((s) =>
        s.path === '' ? s : { ...s, options: [...s.options, ...globals] },
      );
      c.out.write(chosen === 'bash' ? bashScript(specs) : zshScript(specs));
    });
}
