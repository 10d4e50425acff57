import type { CliSession, Pager } from './cli/commands.js';
import type { DeviceFacts } from './facts.js';
import type { Platform, ResolvedDeviceSpec } from './spec.js';

/** A device as its personality sees it: the spec and the facts derived from its hostname. */
export interface DeviceContext {
  spec: ResolvedDeviceSpec;
  facts: DeviceFacts;
}

/**
 * The exact error text a device prints after the echoed line, for a bad word starting at
 * `column` of `line` typed at `prompt` (pass '' as the prompt for exec channels).
 */
export type ErrorText = (prompt: string, line: string, column: number) => string;

export interface CliErrors {
  /** A word the CLI does not know. */
  invalid: ErrorText;
  /** The line stops before the command is complete. */
  incomplete: ErrorText;
  /** An abbreviation that fits more than one word. */
  ambiguous: ErrorText;
}

/** Where a session runs: an interactive shell (SSH shell channel, Telnet) or one exec request. */
export type SessionKind = 'shell' | 'exec';

/** What tests and tools need to know about a platform, and how to start its CLI. */
export interface Personality {
  platform: Platform;
  vendor: string;
  /** Models a device gets (seeded by hostname) unless its spec names one. */
  models: readonly string[];
  /** The software part of the SSH identification (`SSH-2.0-<this>`), e.g. `Cisco-1.25`. */
  sshIdent: string;
  /** The prompt right after login. */
  prompt(hostname: string, username: string): string;
  /** The privileged prompt (after `enable`; the same as `prompt` where login lands there). */
  enabledPrompt(hostname: string, username: string): string;
  /** The command that turns paging off, or null where nothing pages (linux). */
  disablePaging: string | null;
  /** Paging while it is on, or null. */
  pager: Pager | null;
  errors: CliErrors;
  /** The command printing `faults.hugeOutputBytes` bytes. */
  hugeCommand: string;
  createCli(device: DeviceContext, kind: SessionKind): CliSession;
}
