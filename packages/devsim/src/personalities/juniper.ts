import {
  matchCommand,
  type CliSession,
  type Command,
  type Pager,
  type Reply,
  type RunContext,
} from '../cli/commands.js';
import { fillerNetwork, sizedConfig } from '../cli/config.js';
import { caretLine } from '../cli/ioslike.js';
import { bulkLines, hms, pad2, row, uptimeParts } from '../cli/text.js';
import type { PortFacts } from '../facts.js';
import type { CliErrors, DeviceContext, Personality, SessionKind } from '../personality.js';
import { seeded } from '../prng.js';

export const JUNOS_MORE_MARKER = '---(more)---';

/** A 24-line screen: 23 lines, then `---(more)---`; the marker is wiped with CR, spaces, CR. */
const JUNOS_PAGER: Pager = {
  lines: 23,
  marker: JUNOS_MORE_MARKER,
  erase: `\r${' '.repeat(JUNOS_MORE_MARKER.length)}\r`,
};

/** Errors as Junos prints them: the first word unknown, or a later one. A blank line follows. */
const JUNOS_ERRORS: CliErrors = {
  invalid: (prompt, line, column) =>
    `${caretLine(prompt, column)}${column === firstWordColumn(line) ? 'unknown command.' : 'syntax error, expecting <command>.'}\n\n`,
  incomplete: (prompt, _line, column) =>
    `${caretLine(prompt, column)}syntax error, expecting <command>.\n\n`,
  ambiguous: (prompt, line, column) => {
    const word = line.slice(column).split(/\s+/)[0] ?? '';
    return `${caretLine(prompt, column)}'${word}' is ambiguous.\n\n`;
  },
};

function firstWordColumn(line: string): number {
  return line.length - line.trimStart().length;
}

const JUNOS_VERSIONS = ['21.4R3-S4.9', '22.4R2.8', '23.2R1-S1.6'] as const;

const junosPort = (p: PortFacts) => `ge-0/0/${p.index}`;

function version(device: DeviceContext): string {
  return seeded(device.spec.hostname, 'junos-version').pick(JUNOS_VERSIONS);
}

function isoTime(d: Date): string {
  return `${d.getUTCFullYear()}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())} ${hms(d)} UTC`;
}

function showVersion(device: DeviceContext): string {
  const { spec } = device;
  const v = version(device);
  const build = `[20230817.1c1b2d5_builder_stable_12_${v.slice(0, 4).replace('.', '')}]`;
  const pkgs = [
    'JUNOS OS Kernel 64-bit ',
    'JUNOS OS libs',
    'JUNOS OS runtime',
    'JUNOS OS time zone information',
    'JUNOS network stack and utilities',
    'JUNOS libs',
    'JUNOS OS libs compat32',
    'JUNOS OS 32-bit compatibility',
    'JUNOS libs compat32',
    'JUNOS runtime',
  ].map((p) => `${p} ${build}`);
  const tail = [
    'JUNOS Packet Forwarding Engine Support (MX/EX92XX Common)',
    'JUNOS Routing Engine Software Suite',
    'JUNOS Crypto Software Suite',
    'JUNOS Online Documentation',
    'JUNOS jail runtime',
    'JUNOS Services Application Level Gateways',
    'JUNOS Services Stateful Firewall',
    'JUNOS Services NAT',
    'JUNOS Services Flowd MS-MPC Software',
    'JUNOS Services SSL',
    'JUNOS Services IPSec',
    'JUNOS Services Crypto',
    'JUNOS Routing Engine Support',
  ].map((p) => `${p} [${v}]`);
  return [
    `Hostname: ${spec.hostname}`,
    `Model: ${spec.model}`,
    `Junos: ${v}`,
    ...pkgs,
    ...tail,
    '',
  ].join('\n');
}

function showInterfacesTerse(device: DeviceContext): string {
  const w = [24, 6, 5, 9, 22];
  const lines = [row(w, ['Interface', 'Admin', 'Link', 'Proto', 'Local', 'Remote'])];
  const state = (b: boolean) => (b ? 'up' : 'down');
  for (const p of device.facts.ports) {
    const name = junosPort(p);
    lines.push(row(w, [name, state(p.adminUp), state(p.operUp)]));
    if (p.ip) {
      lines.push(
        row(w, [
          `${name}.0`,
          state(p.adminUp),
          state(p.operUp),
          'inet',
          `${p.ip}/${p.prefixLength}`,
        ]),
      );
      lines.push(row(w, ['', '', '', 'multiservice']));
    }
  }
  lines.push(row(w, ['fxp0', 'up', 'up']));
  lines.push(row(w, ['fxp0.0', 'up', 'up', 'inet', `${device.facts.mgmtIp}/24`]));
  lines.push(row(w, ['lo0', 'up', 'up']));
  lines.push(row(w, ['lo0.0', 'up', 'up', 'inet', device.facts.loopbackIp, '--> 0/0']));
  return `${lines.join('\n')}\n`;
}

function showUptime(device: DeviceContext): string {
  const { facts } = device;
  const u = uptimeParts(facts.uptimeSeconds);
  const boot = new Date(facts.now.getTime() - facts.uptimeSeconds * 1000);
  return `Current time: ${isoTime(facts.now)}
Time Source:  NTP CLOCK
System booted: ${isoTime(boot)} (${Math.floor(u.totalDays / 7)}w${u.totalDays % 7}d ${pad2(u.hours)}:${pad2(u.minutes)} ago)
Last configured: ${isoTime(facts.now)} by ${device.spec.username}
`;
}

function configuration(device: DeviceContext): string {
  const { spec, facts } = device;
  const stanza = (p: PortFacts): { iface: string[]; ospf: string[] } => ({
    iface: [
      `    ${junosPort(p)} {`,
      ...(p.adminUp ? [] : ['        disable;']),
      ...(p.description ? [`        description ${p.description};`] : []),
      ...(p.ip
        ? [
            '        unit 0 {',
            '            family inet {',
            `                address ${p.ip}/${p.prefixLength};`,
            '            }',
            '        }',
          ]
        : []),
      '    }',
    ],
    ospf: p.ip
      ? [
          `            interface ${junosPort(p)}.0 {`,
          '                interface-type p2p;',
          '            }',
        ]
      : [],
  });
  const pw = `"$6$${facts.serialSeed.slice(0, 8)}$${facts.serialSeed.toLowerCase()}"; ## SECRET-DATA`;
  const build = (ports: readonly PortFacts[], fill: number): string[] => {
    const parts = ports.map(stanza);
    return [
      `## Last commit: ${isoTime(facts.now)} by ${spec.username}`,
      `version ${version(device)};`,
      'system {',
      `    host-name ${spec.hostname};`,
      `    domain-name ${spec.site}.example.net;`,
      '    root-authentication {',
      `        encrypted-password ${pw}`,
      '    }',
      '    login {',
      `        user ${spec.username} {`,
      '            uid 2000;',
      '            class super-user;',
      '            authentication {',
      `                encrypted-password ${pw}`,
      '            }',
      '        }',
      '    }',
      '    services {',
      '        ssh {',
      '            root-login deny;',
      '        }',
      '        netconf {',
      '            ssh;',
      '        }',
      '    }',
      '    syslog {',
      '        file messages {',
      '            any notice;',
      '        }',
      '    }',
      '    ntp {',
      `        server ${facts.mgmtIp.replace(/\.\d+$/, '.1')};`,
      '    }',
      '}',
      'interfaces {',
      ...parts.flatMap((p) => p.iface),
      '    fxp0 {',
      '        unit 0 {',
      '            family inet {',
      `                address ${facts.mgmtIp}/24;`,
      '            }',
      '        }',
      '    }',
      '    lo0 {',
      '        unit 0 {',
      '            family inet {',
      `                address ${facts.loopbackIp}/32;`,
      '            }',
      '        }',
      '    }',
      '}',
      'routing-options {',
      `    router-id ${facts.loopbackIp};`,
      `    autonomous-system ${facts.asn};`,
      '}',
      'protocols {',
      '    ospf {',
      `        area 0.0.0.${facts.ospfArea} {`,
      ...parts.flatMap((p) => p.ospf),
      '            interface lo0.0 {',
      '                passive;',
      '            }',
      '        }',
      '    }',
      '    lldp {',
      '        interface all;',
      '    }',
      '}',
      'policy-options {',
      '    prefix-list MGMT {',
      ...Array.from({ length: fill }, (_, i) => `        ${fillerNetwork(i)}/24;`),
      '    }',
      '}',
    ];
  };
  return `${sizedConfig(spec.runningConfigLines, facts.ports, build).join('\n')}\n`;
}

type Mode = 'operational' | 'configuration';

/** Junos prints a blank line after a command's output, before the next prompt. */
const blank = (out: string | Iterable<string>): Reply => ({
  out: typeof out === 'string' ? `${out}\n` : withBlankLine(out),
});

/** One Junos CLI session: operational and configuration mode, `| no-more`, screen length. */
class JunosCli implements CliSession {
  readonly banner: string;
  private mode: Mode = 'operational';
  private paging: boolean;
  private readonly commands: Command<JunosCli>[];

  constructor(
    private readonly device: DeviceContext,
    private readonly kind: SessionKind,
  ) {
    this.banner =
      kind === 'shell' ? `--- JUNOS ${version(device)} built 2023-08-17 12:00:00 UTC\n` : '';
    this.paging = kind === 'shell';
    const d = device;
    this.commands = [
      { words: ['show', 'version'], run: () => blank(showVersion(d)) },
      { words: ['show', 'interfaces', 'terse'], run: () => blank(showInterfacesTerse(d)) },
      { words: ['show', 'configuration'], run: () => blank(configuration(d)) },
      { words: ['show', 'system', 'uptime'], run: () => blank(showUptime(d)) },
      {
        words: ['request', 'support', 'information'],
        run: (_s, _a, ctx) => {
          const bytes = d.spec.faults.hugeOutputBytes;
          return blank(
            bytes === undefined
              ? showVersion(d) + configuration(d) + showInterfacesTerse(d)
              : bulkLines(bytes, ctx.eolBytes, 'support-information'),
          );
        },
      },
      {
        words: ['set', 'cli', 'screen-length'],
        args: { kind: 'number', min: 0, max: 100_000 },
        run: (s, args) => s.screenLength(Number(args)),
      },
      {
        words: ['set', 'cli', 'screen-width'],
        args: { kind: 'number', min: 0, max: 1024 },
        run: (_s, args) => blank(`Screen width set to ${args}\n`),
      },
      { words: ['configure'], run: (s) => s.enterConfiguration() },
      { words: ['exit'], run: () => ({ out: '', close: true }) },
      { words: ['quit'], run: () => ({ out: '', close: true }) },
    ];
  }

  prompt(): string {
    const { username, hostname } = this.device.spec;
    return `${username}@${hostname}${this.mode === 'operational' ? '>' : '#'} `;
  }

  readingSecret(): boolean {
    return false;
  }

  pager(): Pager | null {
    return this.paging ? JUNOS_PAGER : null;
  }

  run(line: string, ctx: RunContext): Reply | Promise<Reply> {
    if (this.mode === 'configuration') return this.configure(line);
    const noMore = /\|\s*no-more\s*$/i.exec(line);
    const command = noMore ? line.slice(0, noMore.index) : line;
    const prompt = this.kind === 'exec' ? '' : this.prompt();
    const m = matchCommand(command, this.commands);
    switch (m.kind) {
      case 'empty':
        return { out: '' };
      case 'ok':
        return noMore
          ? this.noMore(m.command.run(this, m.args, ctx))
          : m.command.run(this, m.args, ctx);
      case 'invalid':
        return { out: JUNOS_ERRORS.invalid(prompt, command, m.column) };
      case 'incomplete':
        return { out: JUNOS_ERRORS.incomplete(prompt, command, m.column) };
      case 'ambiguous':
        return { out: JUNOS_ERRORS.ambiguous(prompt, command, m.column) };
    }
  }

  /** `| no-more`: this output is not paged. */
  private async noMore(reply: Reply | Promise<Reply>): Promise<Reply> {
    return { ...(await reply), page: false };
  }

  screenLength(lines: number): Reply {
    this.paging = lines !== 0 && this.kind === 'shell';
    return blank(`Screen length set to ${lines}\n`);
  }

  enterConfiguration(): Reply {
    this.mode = 'configuration';
    return { out: 'Entering configuration mode\n\n[edit]\n' };
  }

  private configure(line: string): Reply {
    const first = line.trim().split(/\s+/)[0]?.toLowerCase() ?? '';
    switch (first) {
      case '':
        return { out: '' };
      case 'exit':
      case 'quit':
        this.mode = 'operational';
        return { out: 'Exiting configuration mode\n\n' };
      case 'commit':
        return { out: 'commit complete\n\n[edit]\n' };
      default:
        return { out: '\n[edit]\n' };
    }
  }
}

function* withBlankLine(chunks: Iterable<string>): Generator<string> {
  yield* chunks;
  yield '\n';
}

export const juniperJunos: Personality = {
  platform: 'juniper_junos',
  vendor: 'Juniper',
  models: ['mx204', 'qfx5120-48y', 'srx345', 'ex4300-48t'],
  sshIdent: 'OpenSSH_7.5',
  prompt: (h, u) => `${u}@${h}> `,
  enabledPrompt: (h, u) => `${u}@${h}> `,
  disablePaging: 'set cli screen-length 0',
  pager: JUNOS_PAGER,
  errors: JUNOS_ERRORS,
  hugeCommand: 'request support information',
  createCli: (device, kind) => new JunosCli(device, kind),
};
