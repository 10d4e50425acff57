import type { CliErrors, DeviceContext, SessionKind } from '../personality.js';
import {
  matchCommand,
  type CliSession,
  type Command,
  type Pager,
  type Reply,
  type RunContext,
} from './commands.js';

/** What differs between Cisco-like CLIs (IOS, NX-OS, IOS-XR, EOS); the rest is shared. */
export interface IosLikeDialect {
  /** Login lands in user mode and `enable` leads to privileged mode (IOS, EOS). */
  hasEnable: boolean;
  userPrompt(hostname: string): string;
  enabledPrompt(hostname: string): string;
  /** `submode`: null for global configuration, else e.g. `if`, `router`, `line`. */
  configPrompt(hostname: string, submode: string | null): string;
  pager: Pager;
  errors: CliErrors;
  /** The extra message EOS prints for privileged commands typed in user mode. */
  privilegedOnly?: string;
  banner(device: DeviceContext): string;
  /** Printed by `configure terminal`. */
  configIntro: string;
  /** Commands of user mode, and those added by privileged mode. */
  commands(device: DeviceContext): { user: Command<IosLikeCli>[]; enabled: Command<IosLikeCli>[] };
}

type Mode = 'user' | 'enabled' | 'secret' | 'config';

const SUBMODES: Record<string, string> = {
  interface: 'if',
  router: 'router',
  line: 'line',
  vlan: 'vlan',
  'ip access-list': 'ext-nacl',
};

const ok = (out = ''): Reply => ({ out });

/** One session with a Cisco-like CLI: modes, enable, paging settings, configuration mode. */
export class IosLikeCli implements CliSession {
  readonly banner: string;
  private mode: Mode;
  private submode: string | null = null;
  private paging: boolean;
  private readonly user: Command<IosLikeCli>[];
  private readonly enabled: Command<IosLikeCli>[];

  constructor(
    readonly dialect: IosLikeDialect,
    readonly device: DeviceContext,
    readonly kind: SessionKind,
  ) {
    this.banner = kind === 'shell' ? dialect.banner(device) : '';
    this.mode = dialect.hasEnable ? 'user' : 'enabled';
    this.paging = kind === 'shell';
    const own = dialect.commands(device);
    this.user = [...BASE_USER, ...(dialect.hasEnable ? [ENABLE] : []), ...own.user];
    this.enabled = [
      ...this.user.filter((c) => c !== ENABLE),
      ...(dialect.hasEnable ? [DISABLE] : []),
      CONFIGURE,
      ...own.enabled,
    ];
  }

  prompt(): string {
    const host = this.device.spec.hostname;
    switch (this.mode) {
      case 'user':
        return this.dialect.userPrompt(host);
      case 'enabled':
        return this.dialect.enabledPrompt(host);
      case 'secret':
        return 'Password: ';
      case 'config':
        return this.dialect.configPrompt(host, this.submode);
    }
  }

  readingSecret(): boolean {
    return this.mode === 'secret';
  }

  pager(): Pager | null {
    return this.paging ? this.dialect.pager : null;
  }

  /** The prompt the error caret is measured from: none on exec channels. */
  get errorPrompt(): string {
    return this.kind === 'exec' ? '' : this.prompt();
  }

  run(line: string, ctx: RunContext): Reply | Promise<Reply> {
    switch (this.mode) {
      case 'secret':
        return this.checkSecret(line);
      case 'config':
        return this.configure(line, ctx);
      case 'user':
      case 'enabled':
        return this.execute(line, this.mode === 'user' ? this.user : this.enabled, ctx);
    }
  }

  private execute(
    line: string,
    table: Command<IosLikeCli>[],
    ctx: RunContext,
  ): Reply | Promise<Reply> {
    const m = matchCommand(line, table);
    const errors = this.dialect.errors;
    switch (m.kind) {
      case 'ok':
        return m.command.run(this, m.args, ctx);
      case 'empty':
        return ok();
      case 'invalid': {
        const hint = this.dialect.privilegedOnly;
        if (hint && this.mode === 'user' && matchCommand(line, this.enabled).kind === 'ok') {
          return ok(hint);
        }
        return ok(errors.invalid(this.errorPrompt, line, m.column));
      }
      case 'incomplete':
        return ok(errors.incomplete(this.errorPrompt, line, m.column));
      case 'ambiguous':
        return ok(errors.ambiguous(this.errorPrompt, line, m.column));
    }
  }

  private checkSecret(line: string): Reply {
    if (line === this.device.spec.enableSecret) {
      this.mode = 'enabled';
      return ok();
    }
    this.mode = 'user';
    return ok('% Access denied\n\n');
  }

  private configure(line: string, ctx: RunContext): Reply | Promise<Reply> {
    const words = line.trim().split(/\s+/);
    const first = words[0]?.toLowerCase() ?? '';
    if (first === '') return ok();
    if (first === 'end') {
      this.mode = 'enabled';
      this.submode = null;
      return ok();
    }
    if (first === 'exit') {
      if (this.submode === null) this.mode = 'enabled';
      this.submode = null;
      return ok();
    }
    if (first === 'do') return this.execute(words.slice(1).join(' '), this.enabled, ctx);
    const two = `${first} ${words[1]?.toLowerCase() ?? ''}`;
    const sub = SUBMODES[two] ?? SUBMODES[first];
    if (sub) this.submode = sub;
    return ok();
  }

  /** `enable`: straight to privileged mode when no secret is set, else ask for it. */
  enable(): Reply {
    this.mode = this.device.spec.enableSecret === '' ? 'enabled' : 'secret';
    return ok();
  }

  disable(): Reply {
    this.mode = 'user';
    return ok();
  }

  enterConfig(): Reply {
    this.mode = 'config';
    this.submode = null;
    return ok(this.dialect.configIntro);
  }

  setPaging(lines: number): Reply {
    this.paging = lines !== 0 && this.kind === 'shell';
    return ok();
  }
}

const ENABLE: Command<IosLikeCli> = { words: ['enable'], run: (s) => s.enable() };
const DISABLE: Command<IosLikeCli> = { words: ['disable'], run: (s) => s.disable() };
const CONFIGURE: Command<IosLikeCli> = {
  words: ['configure', 'terminal'],
  run: (s) => s.enterConfig(),
};

const BASE_USER: Command<IosLikeCli>[] = [
  { words: ['exit'], run: () => ({ out: '', close: true }) },
  { words: ['quit'], run: () => ({ out: '', close: true }) },
  { words: ['logout'], run: () => ({ out: '', close: true }) },
  {
    words: ['terminal', 'length'],
    args: { kind: 'number', min: 0, max: 512 },
    run: (s, args) => s.setPaging(Number(args)),
  },
  {
    words: ['terminal', 'width'],
    args: { kind: 'number', min: 0, max: 512 },
    run: () => ok(),
  },
];

/** A caret under column `column` of a line typed after `prompt`. */
export function caretLine(prompt: string, column: number): string {
  return `${' '.repeat(prompt.length + column)}^\n`;
}
