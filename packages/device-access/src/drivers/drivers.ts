import type { Platform } from '@netauto/schema';

/**
 * How to talk to one platform, as data. Adding a platform is adding an entry here
 * (and a devsim personality), not new control flow.
 */
export interface Driver {
  /** `exec` runs the command on an exec channel; `shell` drives an interactive CLI. */
  channel: 'exec' | 'shell';
  /** A prompt at the very end of the text; group 1 is the part that stays the same. */
  prompt: RegExp;
  /** Sent once after login so that output never pauses for a key. */
  pagingOff: string[];
  /** When the prompt ends with `>`: how to become privileged. */
  enable?: { command: string; passwordPrompt: RegExp };
  /** A pager prompt, answered with a space if paging was not turned off. */
  more?: RegExp;
  /** An output line matching one of these means the device refused the command. */
  failures: RegExp[];
}

const CISCO_FAILURES = [
  /^% Invalid (input|command)/m,
  /^% Incomplete command/m,
  /^% Ambiguous command/m,
  /^% Unknown command/m,
];
/** What Junos prints for a line it refuses. */
const JUNOS_REFUSALS = [
  /^\s*syntax error/m,
  /^\s*unknown command\.?/m,
  /^'[^'\n]{1,80}' is ambiguous\./m,
];
/**
 * A Unix shell that does not know a command: `bash: foo: command not found`,
 * `sh: 1: foo: not found` (dash), `zsh: command not found: foo`.
 */
const SHELL_FAILURES = [
  /^[\w./-]{1,40}: (?:\d+: |line \d+: )?[^\n]{1,200}: (?:command )?not found$/m,
  /^zsh: command not found: /m,
];
// One optional space before the marker, not \s*: a pattern that can backtrack over long
// runs of blanks would let a device stall the process.
const CISCO_MORE = / ?--More--\s*$/;
// A hostname-like word, a mode such as (config) or (config-if), then > or #, at the end
// of the text. Group 1 is the hostname part, the same in every mode.
const CISCO_PROMPT = /(?:^|[\r\n])([A-Za-z0-9][\w.\-/:@]{0,80}?)(?:\([\w./:-]+\))?[>#]\s?$/;

export const DRIVERS: Record<Platform, Driver> = {
  cisco_ios: {
    channel: 'shell',
    prompt: CISCO_PROMPT,
    pagingOff: ['terminal length 0', 'terminal width 511'],
    enable: { command: 'enable', passwordPrompt: /[Pp]assword:\s*$/ },
    more: CISCO_MORE,
    failures: CISCO_FAILURES,
  },
  cisco_nxos: {
    channel: 'shell',
    prompt: CISCO_PROMPT,
    pagingOff: ['terminal length 0', 'terminal width 511'],
    more: CISCO_MORE,
    failures: CISCO_FAILURES,
  },
  cisco_iosxr: {
    channel: 'shell',
    prompt: CISCO_PROMPT,
    pagingOff: ['terminal length 0', 'terminal width 512'],
    more: CISCO_MORE,
    failures: CISCO_FAILURES,
  },
  arista_eos: {
    channel: 'shell',
    prompt: CISCO_PROMPT,
    pagingOff: ['terminal length 0', 'terminal width 32767'],
    enable: { command: 'enable', passwordPrompt: /[Pp]assword:\s*$/ },
    more: CISCO_MORE,
    failures: CISCO_FAILURES,
  },
  juniper_junos: {
    channel: 'shell',
    prompt: /(?:^|[\r\n])([\w.-]+@[\w.-]+)[>#%]\s?$/,
    pagingOff: ['set cli screen-length 0', 'set cli screen-width 0'],
    more: / ?---\(more[^)]*\)---\s*$/,
    failures: [...JUNOS_REFUSALS, /^error:/m],
  },
  linux: {
    channel: 'exec',
    prompt: /[$#]\s?$/,
    pagingOff: [],
    failures: [],
  },
  generic: {
    channel: 'shell',
    prompt: /(?:^|[\r\n])([^\r\n]{1,80}?)[>#$%]\s?$/,
    pagingOff: [],
    // Any CLI: what the common ones print when they refuse a command (not Junos' broad
    // `error:`, which other devices' output may well hold).
    failures: [...CISCO_FAILURES, ...JUNOS_REFUSALS, ...SHELL_FAILURES],
  },
};
