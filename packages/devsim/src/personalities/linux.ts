import type { CliSession, Reply, RunContext } from '../cli/commands.js';
import { pause } from '../cli/outlet.js';
import { bulkLines, chunksOf, dayName, hms, monthName, type Text } from '../cli/text.js';
import type { CliErrors, DeviceContext, Personality, SessionKind } from '../personality.js';
import { ping } from './ping.js';

const LINUX_KERNEL = '6.1.0-18-amd64';
const LINUX_KERNEL_BUILD = '#1 SMP PREEMPT_DYNAMIC Debian 6.1.76-1 (2024-02-01)';

const OS_RELEASE = `PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
NAME="Debian GNU/Linux"
VERSION_ID="12"
VERSION="12 (bookworm)"
VERSION_CODENAME=bookworm
ID=debian
HOME_URL="https://www.debian.org/"
SUPPORT_URL="https://www.debian.org/support"
BUG_REPORT_URL="https://bugs.debian.org/"
`;

const PROC_VERSION = `Linux version ${LINUX_KERNEL} (debian-kernel@lists.debian.org) (gcc-12 (Debian 12.2.0-14) 12.2.0, GNU ld (GNU Binutils for Debian) 2.40) ${LINUX_KERNEL_BUILD}\n`;

/** The path whose `cat` prints `faults.hugeOutputBytes` bytes. */
export const HUGE_FILE = '/var/log/huge';

/** stderr of an unknown command; the exit status is 127. */
export function commandNotFound(command: string): string {
  return `bash: ${command}: command not found\n`;
}

const LINUX_ERRORS: CliErrors = {
  invalid: (_prompt, line) => commandNotFound(line.trim().split(/\s+/)[0] ?? ''),
  incomplete: (_prompt, line) => commandNotFound(line.trim().split(/\s+/)[0] ?? ''),
  ambiguous: (_prompt, line) => commandNotFound(line.trim().split(/\s+/)[0] ?? ''),
};

/** Splits a command line into words as a shell would (quotes and escapes, no expansion). */
function words(line: string): string[] {
  const out: string[] = [];
  const re = /'([^']*)'|"((?:[^"\\]|\\.)*)"|\\(.)|([^\s'"\\]+)/g;
  let current = '';
  let last = -1;
  for (const m of line.matchAll(re)) {
    const piece = m[1] ?? m[2]?.replace(/\\(.)/g, '$1') ?? m[3] ?? m[4] ?? '';
    if (m.index === last) current += piece;
    else {
      if (last !== -1) out.push(current);
      current = piece;
    }
    last = m.index + m[0].length;
  }
  if (last !== -1) out.push(current);
  return out;
}

/** How a command of a list joins the one before it. */
type Joint = ';' | '&&' | '||';

/**
 * Splits a command line into a list as bash does at `;`, `&&` and `||` outside quotes
 * (a lone `|` stays: it is part of a pipeline).
 */
function commandList(line: string): { joint: Joint; command: string }[] {
  const out: { joint: Joint; command: string }[] = [];
  let joint: Joint = ';';
  let start = 0;
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const ch = line.charAt(i);
    if (quote) {
      if (ch === '\\' && quote === '"') i++;
      else if (ch === quote) quote = undefined;
      continue;
    }
    if (ch === '\\') {
      // An escaped character outside quotes is a plain character (\' \; \ ).
      i++;
      continue;
    }
    if (ch === "'" || ch === '"') {
      quote = ch;
      continue;
    }
    const two = line.slice(i, i + 2);
    const sep = ch === ';' ? ';' : two === '&&' || two === '||' ? two : undefined;
    if (sep === undefined) continue;
    out.push({ joint, command: line.slice(start, i) });
    joint = sep;
    i += sep.length - 1;
    start = i + 1;
  }
  out.push({ joint, command: line.slice(start) });
  return out.filter((c) => c.command.trim() !== '');
}

/** The parts of a list's output, one after the other. */
async function* joined(parts: readonly Text[]): AsyncGenerator<string> {
  for (const part of parts) yield* chunksOf(part);
}

const done = (out: string, exitCode = 0): Reply => ({ out, exitCode });
const fail = (err: string, exitCode: number): Reply => ({ out: '', err, exitCode });

/** A Debian host's shell, reduced to a fixed set of commands. */
class LinuxShell implements CliSession {
  readonly banner: string;

  constructor(
    private readonly device: DeviceContext,
    kind: SessionKind,
  ) {
    const d = device.facts.now;
    this.banner =
      kind === 'shell'
        ? `Linux ${device.spec.hostname} ${LINUX_KERNEL} ${LINUX_KERNEL_BUILD} x86_64

The programs included with the Debian GNU/Linux system are free software;
the exact distribution terms for each program are described in the
individual files in /usr/share/doc/*/copyright.

Debian GNU/Linux comes with ABSOLUTELY NO WARRANTY, to the extent
permitted by applicable law.
Last login: ${dayName(d)} ${monthName(d)} ${String(d.getUTCDate()).padStart(2)} ${hms(d)} ${d.getUTCFullYear()} from ${device.facts.mgmtIp.replace(/\.\d+$/, '.10')}
`
        : '';
  }

  prompt(): string {
    return `${this.device.spec.username}@${this.device.spec.hostname}:~$ `;
  }

  readingSecret(): boolean {
    return false;
  }

  pager(): null {
    return null;
  }

  /**
   * Runs a list (`a; b && c || d`) as bash does: the status is the last command's,
   * and `exit` ends the list.
   */
  async run(line: string, ctx: RunContext): Promise<Reply> {
    const list = commandList(line);
    if (list.length <= 1) return this.runOne(list[0]?.command ?? '', ctx);
    const out: Text[] = [];
    const err: Text[] = [];
    let exitCode = 0;
    for (const { joint, command } of list) {
      if ((joint === '&&' && exitCode !== 0) || (joint === '||' && exitCode === 0)) continue;
      const reply = await this.runOne(command, ctx);
      out.push(reply.out);
      if (reply.err !== undefined) err.push(reply.err);
      exitCode = reply.exitCode ?? 0;
      if (reply.close) return { out: joined(out), err: joined(err), exitCode, close: true };
    }
    return { out: joined(out), err: joined(err), exitCode };
  }

  private async runOne(line: string, ctx: RunContext): Promise<Reply> {
    const argv = words(line);
    const [cmd, ...args] = argv;
    const host = this.device.spec.hostname;
    if (cmd === undefined) return done('');
    switch (cmd) {
      case 'echo': {
        const noNewline = args[0] === '-n';
        return done(`${(noNewline ? args.slice(1) : args).join(' ')}${noNewline ? '' : '\n'}`);
      }
      case 'true':
        return done('');
      case 'false':
        return done('', 1);
      case 'hostname':
        return done(`${host}\n`);
      case 'uname':
        return this.uname(args);
      case 'cat':
        return this.cat(args, ctx);
      case 'sleep': {
        const seconds = Number(args[0]);
        if (args.length !== 1 || !Number.isFinite(seconds) || seconds < 0) {
          return fail(`sleep: invalid time interval '${args[0] ?? ''}'\n`, 1);
        }
        await pause(seconds * 1000, ctx.signal);
        return done('');
      }
      case 'exit': {
        const code = args[0] === undefined ? 0 : Number(args[0]);
        return Number.isInteger(code)
          ? { out: '', exitCode: ((code % 256) + 256) % 256, close: true }
          : {
              out: '',
              err: `bash: exit: ${args[0] ?? ''}: numeric argument required\n`,
              exitCode: 2,
              close: true,
            };
      }
      case 'ping':
        return ping(args, ctx, this.device);
      case 'yes': {
        const m = /^yes\s*\|\s*head\s+-c\s*(\d+)\s*$/.exec(line.trim());
        if (m) {
          const bytes = Number(m[1]);
          return { out: yesBytes(bytes), exitCode: 0 };
        }
        return fail(commandNotFound(line.trim()), 127);
      }
      default:
        return fail(commandNotFound(cmd), 127);
    }
  }

  private uname(args: string[]): Reply {
    const host = this.device.spec.hostname;
    const parts: Record<string, string> = {
      '-s': 'Linux',
      '-n': host,
      '-r': LINUX_KERNEL,
      '-v': LINUX_KERNEL_BUILD,
      '-m': 'x86_64',
    };
    if (args.length === 0) return done('Linux\n');
    if (args.length === 1 && args[0] === '-a') {
      return done(`Linux ${host} ${LINUX_KERNEL} ${LINUX_KERNEL_BUILD} x86_64 GNU/Linux\n`);
    }
    const picked = args.map((a) => parts[a]);
    if (picked.some((p) => p === undefined)) {
      const bad = args.find((a) => parts[a] === undefined) ?? '';
      return fail(
        `uname: invalid option -- '${bad.replace(/^-+/, '')}'\nTry 'uname --help' for more information.\n`,
        1,
      );
    }
    return done(`${picked.join(' ')}\n`);
  }

  private cat(args: string[], ctx: RunContext): Reply {
    const files: Record<string, () => string> = {
      '/etc/hostname': () => `${this.device.spec.hostname}\n`,
      '/etc/os-release': () => OS_RELEASE,
      '/proc/version': () => PROC_VERSION,
    };
    const path = args[0] ?? '';
    const huge = this.device.spec.faults.hugeOutputBytes;
    if (args.length === 1 && path === HUGE_FILE && huge !== undefined) {
      return { out: bulkLines(huge, ctx.eolBytes, 'kernel: huge'), exitCode: 0 };
    }
    const file = args.length === 1 ? files[path] : undefined;
    return file ? done(file()) : fail(`cat: ${path}: No such file or directory\n`, 1);
  }
}

/** Exactly `bytes` bytes of `y\n`, in 64 KiB chunks. */
function* yesBytes(bytes: number): Generator<string> {
  const block = 'y\n'.repeat(32 * 1024);
  let left = bytes;
  while (left > 0) {
    const n = Math.min(left, block.length);
    yield block.slice(0, n);
    left -= n;
  }
}

export const linux: Personality = {
  platform: 'linux',
  vendor: 'Debian',
  models: ['KVM virtual machine'],
  sshIdent: 'OpenSSH_9.2p1 Debian-2+deb12u2',
  prompt: (h, u) => `${u}@${h}:~$ `,
  enabledPrompt: (h, u) => `${u}@${h}:~$ `,
  disablePaging: null,
  pager: null,
  errors: LINUX_ERRORS,
  hugeCommand: `cat ${HUGE_FILE}`,
  createCli: (device, kind) => new LinuxShell(device, kind),
};
