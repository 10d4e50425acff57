import type { Pager, Reply } from '../cli/commands.js';
import { fillerNetwork, sizedConfig } from '../cli/config.js';
import { caretLine, IosLikeCli, type IosLikeDialect } from '../cli/ioslike.js';
import {
  bulkLines,
  dayName,
  hms,
  iosUptime,
  maskOf,
  monthName,
  pad2,
  row,
  uptimeParts,
  type Text,
} from '../cli/text.js';
import type { PortFacts } from '../facts.js';
import type { CliErrors, DeviceContext, Personality } from '../personality.js';
import { seeded } from '../prng.js';

/** IOS, NX-OS and IOS-XR pause long output with this marker. */
export const MORE_MARKER = ' --More-- ';
/** Wipes the marker after a key press: backspaces, spaces, backspaces. */
export const MORE_ERASE = `${'\b'.repeat(10)}${' '.repeat(10)}${'\b'.repeat(10)}`;

/** A 24-line terminal: 23 lines, then the marker. */
const CISCO_PAGER: Pager = { lines: 23, marker: MORE_MARKER, erase: MORE_ERASE };

const ms3 = (d: Date) => String(d.getUTCMilliseconds()).padStart(3, '0');

/** `10:21:33.123 UTC Mon Jan 6 2025` as IOS and IOS-XR print the clock. */
function iosClock(d: Date): string {
  return `${hms(d)}.${ms3(d)} UTC ${dayName(d)} ${monthName(d)} ${d.getUTCDate()} ${d.getUTCFullYear()}`;
}

/** The line IOS-XR prints before the output of every command: `Mon Jan  6 10:21:33.123 UTC`. */
export function iosxrTimestamp(d: Date): string {
  return `${dayName(d)} ${monthName(d)} ${String(d.getUTCDate()).padStart(2)} ${hms(d)}.${ms3(d)} UTC\n`;
}

function serial(device: DeviceContext, prefix: string): string {
  const s = device.facts.serialSeed;
  const year = 18 + (s.charCodeAt(0) % 7);
  const week = 1 + (s.charCodeAt(1) % 52);
  return `${prefix}${year}${pad2(week)}${s.slice(2, 6)}`;
}

function pick<T>(device: DeviceContext, topic: string, items: readonly T[]): T {
  return seeded(device.spec.hostname, topic).pick(items);
}

function hugeOr(device: DeviceContext, eolBytes: number, fallback: () => Text): Text {
  const bytes = device.spec.faults.hugeOutputBytes;
  return bytes === undefined ? fallback() : bulkLines(bytes, eolBytes, 'tech-support');
}

const up = (p: PortFacts) => (p.adminUp ? (p.operUp ? 'up' : 'down') : 'administratively down');

// ---------------------------------------------------------------- cisco_ios (IOS-XE)

const IOS_VERSIONS = ['17.9.4a', '17.6.5', '17.12.2'] as const;

const IOS_ERRORS: CliErrors = {
  invalid: (prompt, _line, column) =>
    `${caretLine(prompt, column)}% Invalid input detected at '^' marker.\n\n`,
  incomplete: () => '% Incomplete command.\n\n',
  ambiguous: (_prompt, line) => `% Ambiguous command:  "${line.trim()}"\n`,
};

const iosPort = (p: PortFacts) => `GigabitEthernet0/0/${p.index}`;

function iosBanner(device: DeviceContext): string {
  const host = device.spec.hostname;
  const width = 74;
  const box = (text: string) => `* ${text.padEnd(width - 4)} *`;
  return [
    '',
    '*'.repeat(width),
    box(`${host}: authorised access only.`),
    box('Disconnect IMMEDIATELY if you are not an authorised user.'),
    box('All activity is logged.'),
    '*'.repeat(width),
    '',
    '',
  ].join('\n');
}

function iosShowVersion(device: DeviceContext): string {
  const { spec, facts } = device;
  const v = pick(device, 'ios-version', IOS_VERSIONS);
  const ports = facts.ports.length;
  return `Cisco IOS XE Software, Version ${v}
Cisco IOS Software [Cupertino], ISR Software (X86_64_LINUX_IOSD-UNIVERSALK9-M), Version ${v}, RELEASE SOFTWARE (fc3)
Technical Support: http://www.cisco.com/techsupport
Copyright (c) 1986-2024 by Cisco Systems, Inc.
Compiled Fri 20-Oct-23 10:44 by mcpre


Cisco IOS-XE software, Copyright (c) 2005-2024 by cisco Systems, Inc.
All rights reserved.  Certain components of Cisco IOS-XE software are
licensed under the GNU General Public License ("GPL") Version 2.0.  The
software code licensed under GPL Version 2.0 is free software that comes
with ABSOLUTELY NO WARRANTY.  You can redistribute and/or modify such
GPL code under the terms of GPL Version 2.0.  For more details, see the
documentation or "License Notice" file accompanying the IOS-XE software,
or the applicable URL provided on the flyer accompanying the IOS-XE
software.


ROM: 16.12(2r)

${spec.hostname} uptime is ${iosUptime(facts.uptimeSeconds)}
Uptime for this control processor is ${iosUptime(facts.uptimeSeconds + 120)}
System returned to ROM by PowerOn
System image file is "bootflash:isr4400-universalk9.${v}.SPA.bin"
Last reload reason: PowerOn



This product contains cryptographic features and is subject to United
States and local country laws governing import, export, transfer and
use. Delivery of Cisco cryptographic products does not imply
third-party authority to import, export, distribute or use encryption.

cisco ${spec.model} (2RU) processor with 1795979K/6147K bytes of memory.
Processor board ID ${serial(device, 'FDO')}
Router operating mode: Autonomous
${ports} Gigabit Ethernet interfaces
32768K bytes of non-volatile configuration memory.
8388608K bytes of physical memory.
7573503K bytes of flash memory at bootflash:.

Configuration register is 0x2102

`;
}

function iosIpBrief(device: DeviceContext): string {
  const w = [23, 16, 4, 7, 22];
  const lines = [row(w, ['Interface', 'IP-Address', 'OK?', 'Method', 'Status', 'Protocol'])];
  lines.push(row(w, ['GigabitEthernet0', device.facts.mgmtIp, 'YES', 'NVRAM', 'up', 'up']));
  for (const p of device.facts.ports) {
    lines.push(
      row(w, [
        iosPort(p),
        p.ip ?? 'unassigned',
        'YES',
        p.ip ? 'NVRAM' : 'unset',
        up(p),
        p.operUp ? 'up' : 'down',
      ]),
    );
  }
  lines.push(row(w, ['Loopback0', device.facts.loopbackIp, 'YES', 'NVRAM', 'up', 'up']));
  return `${lines.join('\n')}\n`;
}

function iosRunningConfig(device: DeviceContext): string {
  const { spec, facts } = device;
  const v = pick(device, 'ios-version', IOS_VERSIONS);
  const secret = `$9$${facts.serialSeed.slice(0, 14)}$${facts.serialSeed.toLowerCase()}`;
  const stanza = (p: PortFacts): string[] => [
    `interface ${iosPort(p)}`,
    ...(p.description ? [` description ${p.description}`] : []),
    p.ip ? ` ip address ${p.ip} ${maskOf(p.prefixLength)}` : ' no ip address',
    ...(p.ip ? [' ip ospf network point-to-point'] : []),
    ...(p.adminUp ? [] : [' shutdown']),
    ' negotiation auto',
    '!',
  ];
  const build = (ports: readonly PortFacts[], fill: number): string[] => [
    '!',
    `! Last configuration change at ${iosClock(facts.now)} by ${spec.username}`,
    '!',
    `version ${v.split('.').slice(0, 2).join('.')}`,
    'service timestamps debug datetime msec',
    'service timestamps log datetime msec',
    'service password-encryption',
    'platform qfp utilization monitor load 80',
    '!',
    `hostname ${spec.hostname}`,
    '!',
    'boot-start-marker',
    'boot-end-marker',
    '!',
    'vrf definition Mgmt-intf',
    ' address-family ipv4',
    ' exit-address-family',
    '!',
    'logging buffered 64000 informational',
    `enable secret 9 ${secret}`,
    '!',
    'aaa new-model',
    'aaa authentication login default local',
    'aaa authorization exec default local',
    '!',
    'clock timezone UTC 0 0',
    `ip domain name ${spec.site}.example.net`,
    `ip name-server ${facts.mgmtIp.replace(/\.\d+$/, '.53')}`,
    '!',
    `username ${spec.username} secret 9 ${secret}`,
    '!',
    'interface Loopback0',
    ` ip address ${facts.loopbackIp} 255.255.255.255`,
    '!',
    ...ports.flatMap(stanza),
    'interface GigabitEthernet0',
    ' vrf forwarding Mgmt-intf',
    ` ip address ${facts.mgmtIp} 255.255.255.0`,
    ' negotiation auto',
    '!',
    'router ospf 1',
    ` router-id ${facts.loopbackIp}`,
    ` network 10.0.0.0 0.255.255.255 area ${facts.ospfArea}`,
    '!',
    'no ip http server',
    'no ip http secure-server',
    'ip ssh version 2',
    '!',
    'ip access-list extended MGMT-IN',
    ...Array.from(
      { length: fill },
      (_, i) => ` ${(i + 1) * 10} permit tcp ${fillerNetwork(i)} 0.0.0.255 any eq 22`,
    ),
    ` ${(fill + 1) * 10} deny   ip any any log`,
    '!',
    `ntp server ${facts.mgmtIp.replace(/\.\d+$/, '.1')}`,
    '!',
    'line con 0',
    ' exec-timeout 15 0',
    'line vty 0 4',
    ' access-class MGMT-IN in',
    ' exec-timeout 30 0',
    ' transport input ssh',
    '!',
    'end',
  ];
  // "Building configuration..." and the size line take 3 of the lines.
  const body = sizedConfig(spec.runningConfigLines - 3, facts.ports, build).join('\n');
  return `Building configuration...\n\nCurrent configuration : ${body.length + 1} bytes\n${body}\n`;
}

function iosTech(device: DeviceContext): string {
  const section = (cmd: string, out: string) =>
    `\n------------------ ${cmd} ------------------\n\n${out}`;
  return (
    section('show version', iosShowVersion(device)) +
    section('show running-config', iosRunningConfig(device)) +
    section('show ip interface brief', iosIpBrief(device))
  );
}

function iosInventory(device: DeviceContext): string {
  return `NAME: "Chassis", DESCR: "Cisco ${device.spec.model} Chassis"
PID: ${device.spec.model.padEnd(18)}, VID: V07  , SN: ${serial(device, 'FDO')}

`;
}

const text = (out: Text): Reply => ({ out });

const IOS_DIALECT: IosLikeDialect = {
  hasEnable: true,
  userPrompt: (h) => `${h}>`,
  enabledPrompt: (h) => `${h}#`,
  configPrompt: (h, sub) => `${h}(config${sub ? `-${sub}` : ''})#`,
  pager: CISCO_PAGER,
  errors: IOS_ERRORS,
  banner: iosBanner,
  configIntro: 'Enter configuration commands, one per line.  End with CNTL/Z.\n',
  commands: (d) => ({
    user: [
      { words: ['show', 'version'], run: () => text(iosShowVersion(d)) },
      { words: ['show', 'clock'], run: () => text(`${iosClock(d.facts.now)}\n`) },
      { words: ['show', 'ip', 'interface', 'brief'], run: () => text(iosIpBrief(d)) },
      { words: ['show', 'inventory'], run: () => text(iosInventory(d)) },
    ],
    enabled: [
      { words: ['show', 'running-config'], run: () => text(iosRunningConfig(d)) },
      {
        words: ['show', 'tech-support'],
        run: (_s, _a, ctx) => text(hugeOr(d, ctx.eolBytes, () => iosTech(d))),
      },
      { words: ['write', 'memory'], run: () => text('Building configuration...\n[OK]\n') },
    ],
  }),
};

export const ciscoIos: Personality = {
  platform: 'cisco_ios',
  vendor: 'Cisco',
  models: ['ISR4451-X/K9', 'ISR4331/K9', 'C8300-1N1S-6T', 'C8200-1N-4T'],
  sshIdent: 'Cisco-1.25',
  prompt: (h) => `${h}>`,
  enabledPrompt: (h) => `${h}#`,
  disablePaging: 'terminal length 0',
  pager: CISCO_PAGER,
  errors: IOS_ERRORS,
  hugeCommand: 'show tech-support',
  createCli: (device, kind) => new IosLikeCli(IOS_DIALECT, device, kind),
};

// ---------------------------------------------------------------- cisco_nxos

const NXOS_VERSIONS = ['9.3(10)', '10.2(5)', '10.3(4a)'] as const;

const NXOS_ERRORS: CliErrors = {
  invalid: (prompt, _line, column) =>
    `${caretLine(prompt, column)}% Invalid command at '^' marker.\n`,
  incomplete: (prompt, _line, column) =>
    `${caretLine(prompt, column)}% Incomplete command at '^' marker.\n`,
  ambiguous: (prompt, _line, column) =>
    `${caretLine(prompt, column)}% Ambiguous command at '^' marker.\n`,
};

const nxPort = (p: PortFacts) => `Ethernet1/${p.index + 1}`;

const NXOS_BANNER = `Cisco Nexus Operating System (NX-OS) Software
TAC support: http://www.cisco.com/tac
Copyright (C) 2002-2024, Cisco and/or its affiliates.
All rights reserved.
The copyrights to certain works contained in this software are
owned by other third parties and used and distributed under their own
licenses, such as open source.  This software is provided "as is," and unless
otherwise stated, there is no warranty, express or implied, including but not
limited to warranties of merchantability and fitness for a particular purpose.
Certain components of this software are licensed under
the GNU General Public License (GPL) version 2.0 or
GNU General Public License (GPL) version 3.0  or the GNU
Lesser General Public License (LGPL) Version 2.1 or
Lesser General Public License (LGPL) Version 2.0.
A copy of each such license is available at
http://www.opensource.org/licenses/gpl-2.0.php and
http://opensource.org/licenses/gpl-3.0.html and
http://www.opensource.org/licenses/lgpl-2.1.php and
http://www.gnu.org/licenses/old-licenses/library.txt.
`;

function nxDate(d: Date): string {
  return `${dayName(d)} ${monthName(d)} ${String(d.getUTCDate()).padStart(2)} ${hms(d)} ${d.getUTCFullYear()}`;
}

function nxShowVersion(device: DeviceContext): string {
  const { spec, facts } = device;
  const v = pick(device, 'nxos-version', NXOS_VERSIONS);
  const u = uptimeParts(facts.uptimeSeconds);
  const boot = new Date(facts.now.getTime() - facts.uptimeSeconds * 1000);
  return `Cisco Nexus Operating System (NX-OS) Software
TAC support: http://www.cisco.com/tac
Documents: http://www.cisco.com/en/US/products/ps9372/tsd_products_support_series_home.html
Copyright (c) 2002-2024, Cisco Systems, Inc. All rights reserved.
The copyrights to certain works contained herein are owned by
other third parties and are used and distributed under license.
Some parts of this software are covered under the GNU Public
License. A copy of the license is available at
http://www.gnu.org/licenses/gpl.html.

Software
  BIOS: version 05.47
  NXOS: version ${v}
  BIOS compile time:  04/28/2022
  NXOS image file is: bootflash:///nxos64-cs.${v.replace(/[()]/g, '.').replace(/\.$/, '')}.M.bin
  NXOS compile time:  3/14/2024 12:00:00 [03/15/2024 01:18:06]


Hardware
  cisco Nexus9000 ${spec.model} Chassis
  Intel(R) Xeon(R) CPU D-1528 @ 1.90GHz with 24632516 kB of memory.
  Processor Board ID ${serial(device, 'FDO')}

  Device name: ${spec.hostname}
  bootflash:   53298520 kB
Kernel uptime is ${u.totalDays} day(s), ${u.hours} hour(s), ${u.minutes} minute(s), ${facts.uptimeSeconds % 60} second(s)

Last reset at ${facts.serialSeed.charCodeAt(3) * 1000} usecs after ${nxDate(boot)}

  Reason: Reset Requested by CLI command reload
  System version: ${v}
  Service:

plugin
  Core Plugin, Ethernet Plugin

Active Package(s):

`;
}

function nxIpBrief(device: DeviceContext): string {
  const w = [21, 16];
  const status = (p: PortFacts) =>
    `protocol-${p.operUp ? 'up' : 'down'}/link-${p.operUp ? 'up' : 'down'}/admin-${p.adminUp ? 'up' : 'down'}`;
  const lines = [
    'IP Interface Status for VRF "default"(1)',
    row(w, ['Interface', 'IP Address', 'Interface Status']),
    row(w, ['Lo0', device.facts.loopbackIp, 'protocol-up/link-up/admin-up']),
  ];
  for (const p of device.facts.ports) {
    if (p.ip) lines.push(row(w, [`Eth1/${p.index + 1}`, p.ip, status(p)]));
  }
  return `${lines.join('\n')}\n`;
}

function nxRunningConfig(device: DeviceContext): string {
  const { spec, facts } = device;
  const v = pick(device, 'nxos-version', NXOS_VERSIONS);
  const stanza = (p: PortFacts): string[] => [
    `interface ${nxPort(p)}`,
    ...(p.description ? [`  description ${p.description}`] : []),
    ...(p.ip
      ? [
          '  no switchport',
          `  ip address ${p.ip}/${p.prefixLength}`,
          '  ip router ospf 1 area 0.0.0.0',
        ]
      : ['  switchport access vlan 10']),
    p.adminUp ? '  no shutdown' : '  shutdown',
    '',
  ];
  const build = (ports: readonly PortFacts[], fill: number): string[] => [
    '',
    '!Command: show running-config',
    `!Running configuration last done at: ${nxDate(facts.now)}`,
    `!Time: ${nxDate(facts.now)}`,
    '',
    `version ${v} Bios:version 05.47`,
    `hostname ${spec.hostname}`,
    'vdc ' + spec.hostname + ' id 1',
    '  limit-resource vlan minimum 16 maximum 4094',
    '',
    'feature ospf',
    'feature interface-vlan',
    'feature lldp',
    '',
    `username ${spec.username} password 5 $5$${facts.serialSeed}  role network-admin`,
    `ip domain-lookup`,
    `ip domain-name ${spec.site}.example.net`,
    'copp profile strict',
    '',
    'ip access-list MGMT-IN',
    ...Array.from(
      { length: fill },
      (_, i) => `  ${(i + 1) * 10} permit tcp ${fillerNetwork(i)}/24 any eq 22`,
    ),
    `  ${(fill + 1) * 10} deny ip any any log`,
    '',
    'vlan 1,10',
    'vlan 10',
    '  name users',
    '',
    'vrf context management',
    `  ip route 0.0.0.0/0 ${facts.mgmtIp.replace(/\.\d+$/, '.1')}`,
    '',
    ...ports.flatMap(stanza),
    'interface mgmt0',
    '  vrf member management',
    `  ip address ${facts.mgmtIp}/24`,
    '',
    'interface loopback0',
    `  ip address ${facts.loopbackIp}/32`,
    '  ip router ospf 1 area 0.0.0.0',
    'line console',
    'line vty',
    '  access-class MGMT-IN in',
    'router ospf 1',
    `  router-id ${facts.loopbackIp}`,
    '',
  ];
  return `${sizedConfig(spec.runningConfigLines, facts.ports, build).join('\n')}\n`;
}

function nxClock(d: Date): string {
  return `${hms(d)}.${ms3(d)} UTC ${dayName(d)} ${monthName(d)} ${pad2(d.getUTCDate())} ${d.getUTCFullYear()}\nTime source is NTP\n`;
}

const NXOS_DIALECT: IosLikeDialect = {
  hasEnable: false,
  userPrompt: (h) => `${h}# `,
  enabledPrompt: (h) => `${h}# `,
  configPrompt: (h, sub) => `${h}(config${sub ? `-${sub}` : ''})# `,
  pager: CISCO_PAGER,
  errors: NXOS_ERRORS,
  banner: () => NXOS_BANNER,
  configIntro: 'Enter configuration commands, one per line. End with CNTL/Z.\n',
  commands: (d) => ({
    user: [],
    enabled: [
      { words: ['show', 'version'], run: () => text(nxShowVersion(d)) },
      { words: ['show', 'clock'], run: () => text(nxClock(d.facts.now)) },
      { words: ['show', 'ip', 'interface', 'brief'], run: () => text(nxIpBrief(d)) },
      { words: ['show', 'running-config'], run: () => text(nxRunningConfig(d)) },
      {
        words: ['show', 'tech-support'],
        run: (_s, _a, ctx) =>
          text(hugeOr(d, ctx.eolBytes, () => nxShowVersion(d) + nxRunningConfig(d) + nxIpBrief(d))),
      },
    ],
  }),
};

export const ciscoNxos: Personality = {
  platform: 'cisco_nxos',
  vendor: 'Cisco',
  models: ['N9K-C93180YC-FX', 'N9K-C9336C-FX2', 'N9K-C93240YC-FX2'],
  sshIdent: 'OpenSSH_8.3',
  prompt: (h) => `${h}# `,
  enabledPrompt: (h) => `${h}# `,
  disablePaging: 'terminal length 0',
  pager: CISCO_PAGER,
  errors: NXOS_ERRORS,
  hugeCommand: 'show tech-support',
  createCli: (device, kind) => new IosLikeCli(NXOS_DIALECT, device, kind),
};

// ---------------------------------------------------------------- cisco_iosxr

const IOSXR_VERSIONS = ['7.5.2', '7.9.2', '7.11.2'] as const;

const IOSXR_ERRORS: CliErrors = {
  invalid: (prompt, _line, column) =>
    `${caretLine(prompt, column)}% Invalid input detected at '^' marker.\n`,
  incomplete: () => '% Incomplete command.\n',
  ambiguous: (_prompt, line) => `% Ambiguous command:  "${line.trim()}"\n`,
};

const xrPrompt = (h: string) => `RP/0/RP0/CPU0:${h}#`;
const xrPort = (p: PortFacts) => `GigabitEthernet0/0/0/${p.index}`;

function xrShowVersion(device: DeviceContext): string {
  const { spec, facts } = device;
  const v = pick(device, 'iosxr-version', IOSXR_VERSIONS);
  const u = uptimeParts(facts.uptimeSeconds);
  return `Cisco IOS XR Software, Version ${v}
Copyright (c) 2013-2024 by Cisco Systems, Inc.

Build Information:
 Built By     : ingunawa
 Built On     : Tue Jun 14 08:01:10 PDT 2022
 Built Host   : iox-ucs-025
 Workspace    : /auto/srcarchive17/prod/${v}/ncs5500/ws
 Version      : ${v}
 Location     : /opt/cisco/XR/packages/
 Label        : ${v}

cisco ${spec.model.startsWith('NCS') ? 'NCS-5500' : 'ASR9K'} () processor
System uptime is ${u.years * 52 + u.weeks} weeks ${u.days} days ${u.hours} hours ${u.minutes} minutes

`;
}

function xrIpBrief(device: DeviceContext): string {
  const w = [31, 16, 16, 9];
  const state = (p: PortFacts) => (p.adminUp ? (p.operUp ? 'Up' : 'Down') : 'Shutdown');
  const lines = [
    '',
    row(w, ['Interface', 'IP-Address', 'Status', 'Protocol', 'Vrf-Name']),
    row(w, ['Loopback0', device.facts.loopbackIp, 'Up', 'Up', 'default']),
    row(w, ['MgmtEth0/RP0/CPU0/0', device.facts.mgmtIp, 'Up', 'Up', 'default']),
  ];
  for (const p of device.facts.ports) {
    lines.push(
      row(w, [xrPort(p), p.ip ?? 'unassigned', state(p), p.operUp ? 'Up' : 'Down', 'default']),
    );
  }
  return `${lines.join('\n')}\n`;
}

function xrRunningConfig(device: DeviceContext): string {
  const { spec, facts } = device;
  const v = pick(device, 'iosxr-version', IOSXR_VERSIONS);
  const stanza = (p: PortFacts): string[] => [
    `interface ${xrPort(p)}`,
    ...(p.description ? [` description ${p.description}`] : []),
    p.ip ? ` ipv4 address ${p.ip} ${maskOf(p.prefixLength)}` : ' shutdown',
    ...(p.ip && !p.adminUp ? [' shutdown'] : []),
    '!',
  ];
  const build = (ports: readonly PortFacts[], fill: number): string[] => [
    `!! IOS XR Configuration ${v}`,
    `!! Last configuration change at ${dayName(facts.now)} ${monthName(facts.now)} ${String(facts.now.getUTCDate()).padStart(2)} ${hms(facts.now)} ${facts.now.getUTCFullYear()} by ${spec.username}`,
    '!',
    `hostname ${spec.hostname}`,
    'clock timezone UTC UTC',
    'logging console informational',
    `domain name ${spec.site}.example.net`,
    `username ${spec.username}`,
    ' group root-lr',
    ' group cisco-support',
    ` secret 10 $6$${facts.serialSeed}`,
    '!',
    'vrf MGMT',
    ' address-family ipv4 unicast',
    ' !',
    '!',
    'line default',
    ' exec-timeout 30 0',
    ' transport input ssh',
    '!',
    'ipv4 access-list MGMT-IN',
    ...Array.from(
      { length: fill },
      (_, i) => ` ${(i + 1) * 10} permit tcp ${fillerNetwork(i)} 0.0.0.255 any eq ssh`,
    ),
    ` ${(fill + 1) * 10} deny ipv4 any any log`,
    '!',
    'interface Loopback0',
    ` ipv4 address ${facts.loopbackIp} 255.255.255.255`,
    '!',
    'interface MgmtEth0/RP0/CPU0/0',
    ' vrf MGMT',
    ` ipv4 address ${facts.mgmtIp} 255.255.255.0`,
    '!',
    ...ports.flatMap(stanza),
    'router ospf 1',
    ` router-id ${facts.loopbackIp}`,
    ` area ${facts.ospfArea}`,
    '  interface Loopback0',
    '   passive enable',
    '  !',
    ' !',
    '!',
    'ssh server v2',
    'ssh server vrf MGMT',
    'end',
    '',
  ];
  return `${sizedConfig(spec.runningConfigLines, facts.ports, build).join('\n')}\n`;
}

/** IOS-XR prints a timestamp line before each command's output. */
const stamped = (d: DeviceContext, render: () => string) => (): Reply => ({
  out: iosxrTimestamp(d.facts.now) + render(),
});

const IOSXR_DIALECT: IosLikeDialect = {
  hasEnable: false,
  userPrompt: xrPrompt,
  enabledPrompt: xrPrompt,
  configPrompt: (h, sub) => `RP/0/RP0/CPU0:${h}(config${sub ? `-${sub}` : ''})#`,
  pager: CISCO_PAGER,
  errors: IOSXR_ERRORS,
  banner: () => '\n',
  configIntro: '',
  commands: (d) => ({
    user: [],
    enabled: [
      { words: ['show', 'version'], run: stamped(d, () => xrShowVersion(d)) },
      { words: ['show', 'clock'], run: stamped(d, () => `${iosClock(d.facts.now)}\n`) },
      { words: ['show', 'ip', 'interface', 'brief'], run: stamped(d, () => xrIpBrief(d)) },
      { words: ['show', 'running-config'], run: stamped(d, () => xrRunningConfig(d)) },
      {
        words: ['show', 'tech-support'],
        run: (_s, _a, ctx) =>
          text(hugeOr(d, ctx.eolBytes, () => xrShowVersion(d) + xrRunningConfig(d))),
      },
    ],
  }),
};

export const ciscoIosxr: Personality = {
  platform: 'cisco_iosxr',
  vendor: 'Cisco',
  models: ['NCS-55A1-24H', 'ASR-9901', 'NCS-540-ACC-SYS'],
  sshIdent: 'Cisco-2.0',
  prompt: xrPrompt,
  enabledPrompt: xrPrompt,
  disablePaging: 'terminal length 0',
  pager: CISCO_PAGER,
  errors: IOSXR_ERRORS,
  hugeCommand: 'show tech-support',
  createCli: (device, kind) => new IosLikeCli(IOSXR_DIALECT, device, kind),
};
