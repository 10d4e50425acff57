import type { Pager, Reply } from '../cli/commands.js';
import { fillerNetwork, sizedConfig } from '../cli/config.js';
import { IosLikeCli, type IosLikeDialect } from '../cli/ioslike.js';
import {
  bulkLines,
  ciscoMac,
  dayName,
  hms,
  monthName,
  row,
  uptimeParts,
  type Text,
} from '../cli/text.js';
import type { PortFacts } from '../facts.js';
import type { CliErrors, DeviceContext, Personality } from '../personality.js';
import { seeded } from '../prng.js';

/** EOS pauses long output with this marker (a 24-line terminal: 23 lines, then the marker). */
const EOS_PAGER: Pager = {
  lines: 23,
  marker: ' --More-- ',
  erase: `\r${' '.repeat(10)}\r`,
};

/** EOS prints no caret: one line per error. */
const EOS_ERRORS: CliErrors = {
  invalid: () => '% Invalid input\n',
  incomplete: () => '% Incomplete command\n',
  ambiguous: () => '% Ambiguous command\n',
};

/** What EOS prints for a privileged command typed in user mode (`r1>`). */
export const EOS_PRIVILEGED_ONLY = '% Invalid input (privileged mode required)\n';

const EOS_VERSIONS = ['4.28.3M', '4.30.2F', '4.31.1F'] as const;

const eosPort = (p: PortFacts) => `Ethernet${p.index + 1}`;

function version(device: DeviceContext): string {
  return seeded(device.spec.hostname, 'eos-version').pick(EOS_VERSIONS);
}

function eosSerial(device: DeviceContext): string {
  const seed = device.facts.serialSeed;
  const digits = Array.from({ length: 8 }, (_, i) => String(seed.charCodeAt(i) % 10)).join('');
  return `JPE${digits}`;
}

function eosUptime(seconds: number): string {
  const u = uptimeParts(seconds);
  return `${u.years * 52 + u.weeks} weeks, ${u.days} days, ${u.hours} hours and ${u.minutes} minutes`;
}

function showVersion(device: DeviceContext): string {
  const { spec, facts } = device;
  const v = version(device);
  const mac = ciscoMac(`001c73${facts.mac.slice(6)}`);
  return `Arista ${spec.model}
Hardware version: 11.02
Serial number: ${eosSerial(device)}
Hardware MAC address: ${mac}
System MAC address: ${mac}

Software image version: ${v}
Architecture: x86_64
Internal build version: ${v}-${facts.serialSeed.charCodeAt(5) * 291_337}.${v.replace(/\./g, '')}
Internal build ID: ${facts.serialSeed.toLowerCase().slice(0, 8)}-a8c7-4b4a-b0f8-39b1dc2e2a6e
Image format version: 3.0
Image optimization: Strata-4GB

Uptime: ${eosUptime(facts.uptimeSeconds)}
Total memory: 8098984 kB
Free memory: ${5_000_000 + facts.serialSeed.charCodeAt(7) * 9_973} kB

`;
}

function showIpBrief(device: DeviceContext): string {
  const w = [18, 21, 12, 14, 9];
  const lines = [
    `${' '.repeat(74)}Address`,
    row(w, ['Interface', 'IP Address', 'Status', 'Protocol', 'MTU', 'Owner']),
    row(w, [
      '-'.repeat(17),
      '-'.repeat(20),
      '-'.repeat(11),
      '-'.repeat(13),
      '-'.repeat(8),
      '-'.repeat(7),
    ]),
  ];
  const entries: [string, string, string, string, string][] = [];
  for (const p of device.facts.ports) {
    if (!p.ip) continue;
    const status = p.adminUp ? (p.operUp ? 'up' : 'down') : 'admin down';
    entries.push([
      eosPort(p),
      `${p.ip}/${p.prefixLength}`,
      status,
      p.operUp ? 'up' : 'down',
      '1500',
    ]);
  }
  entries.push(['Loopback0', `${device.facts.loopbackIp}/32`, 'up', 'up', '65535']);
  entries.push(['Management1', `${device.facts.mgmtIp}/24`, 'up', 'up', '1500']);
  for (const [name, ip, status, proto, mtu] of entries) {
    lines.push(row(w, [name, ip, status, proto, mtu.padStart(8), '']));
  }
  return `${lines.join('\n')}\n`;
}

function showClock(d: Date, ntp: string): string {
  return `${dayName(d)} ${monthName(d)} ${String(d.getUTCDate()).padStart(2)} ${hms(d)} ${d.getUTCFullYear()}
Timezone: UTC
Clock source: NTP server (${ntp})
`;
}

function runningConfig(device: DeviceContext): string {
  const { spec, facts } = device;
  const stanza = (p: PortFacts): string[] => [
    `interface ${eosPort(p)}`,
    ...(p.description ? [`   description ${p.description}`] : []),
    ...(p.adminUp ? [] : ['   shutdown']),
    ...(p.ip
      ? [
          '   no switchport',
          `   ip address ${p.ip}/${p.prefixLength}`,
          '   ip ospf network point-to-point',
        ]
      : ['   switchport access vlan 10']),
    '!',
  ];
  const build = (ports: readonly PortFacts[], fill: number): string[] => [
    '! Command: show running-config',
    `! device: ${spec.hostname} (${spec.model}, EOS-${version(device)})`,
    '!',
    '! boot system flash:/EOS.swi',
    '!',
    'no aaa root',
    '!',
    `username ${spec.username} privilege 15 role network-admin secret sha512 $6$${facts.serialSeed}`,
    '!',
    'transceiver qsfp default-mode 4x10G',
    '!',
    'service routing protocols model multi-agent',
    '!',
    `hostname ${spec.hostname}`,
    `ip name-server vrf MGMT ${facts.mgmtIp.replace(/\.\d+$/, '.53')}`,
    `dns domain ${spec.site}.example.net`,
    '!',
    'spanning-tree mode mstp',
    '!',
    'vlan 10',
    '   name users',
    '!',
    'vrf instance MGMT',
    '!',
    'management api http-commands',
    '   no shutdown',
    '   !',
    '   vrf MGMT',
    '      no shutdown',
    '!',
    ...ports.flatMap(stanza),
    'interface Loopback0',
    `   ip address ${facts.loopbackIp}/32`,
    '!',
    'interface Management1',
    '   vrf MGMT',
    `   ip address ${facts.mgmtIp}/24`,
    '!',
    'ip access-list MGMT-IN',
    ...Array.from(
      { length: fill },
      (_, i) => `   ${(i + 1) * 10} permit tcp ${fillerNetwork(i)}/24 any eq ssh`,
    ),
    `   ${(fill + 1) * 10} deny ip any any log`,
    '!',
    'ip routing',
    'no ip routing vrf MGMT',
    '!',
    `ip route vrf MGMT 0.0.0.0/0 ${facts.mgmtIp.replace(/\.\d+$/, '.1')}`,
    '!',
    'router ospf 1',
    `   router-id ${facts.loopbackIp}`,
    `   network 10.0.0.0/8 area 0.0.0.${facts.ospfArea}`,
    '   max-lsa 12000',
    '!',
    `ntp server vrf MGMT ${facts.mgmtIp.replace(/\.\d+$/, '.1')}`,
    '!',
    'end',
  ];
  return `${sizedConfig(spec.runningConfigLines, facts.ports, build).join('\n')}\n`;
}

const text = (out: Text): Reply => ({ out });

const EOS_DIALECT: IosLikeDialect = {
  hasEnable: true,
  userPrompt: (h) => `${h}>`,
  enabledPrompt: (h) => `${h}#`,
  configPrompt: (h, sub) => `${h}(config${sub ? `-${sub}` : ''})#`,
  pager: EOS_PAGER,
  errors: EOS_ERRORS,
  privilegedOnly: EOS_PRIVILEGED_ONLY,
  banner: () => '',
  configIntro: '',
  commands: (d) => {
    const ntp = d.facts.mgmtIp.replace(/\.\d+$/, '.1');
    return {
      user: [
        { words: ['show', 'version'], run: () => text(showVersion(d)) },
        { words: ['show', 'clock'], run: () => text(showClock(d.facts.now, ntp)) },
        { words: ['show', 'ip', 'interface', 'brief'], run: () => text(showIpBrief(d)) },
      ],
      enabled: [
        { words: ['show', 'running-config'], run: () => text(runningConfig(d)) },
        {
          words: ['show', 'tech-support'],
          run: (_s, _a, ctx) => {
            const bytes = d.spec.faults.hugeOutputBytes;
            return text(
              bytes === undefined
                ? showVersion(d) + runningConfig(d) + showIpBrief(d)
                : bulkLines(bytes, ctx.eolBytes, 'tech-support'),
            );
          },
        },
        { words: ['write', 'memory'], run: () => text('Copy completed successfully.\n') },
      ],
    };
  },
};

export const aristaEos: Personality = {
  platform: 'arista_eos',
  vendor: 'Arista',
  models: ['DCS-7050SX3-48YC12', 'DCS-7280SR-48C6', 'DCS-7050CX3-32S'],
  sshIdent: 'OpenSSH_8.7',
  prompt: (h) => `${h}>`,
  enabledPrompt: (h) => `${h}#`,
  disablePaging: 'terminal length 0',
  pager: EOS_PAGER,
  errors: EOS_ERRORS,
  hugeCommand: 'show tech-support',
  createCli: (device, kind) => new IosLikeCli(EOS_DIALECT, device, kind),
};
