import type { Text } from './text.js';

/** What a command prints and what happens next. */
export interface Reply {
  out: Text;
  /** Standard error (exec channels keep it apart; a terminal shows it with the rest). */
  err?: Text;
  /** Exit status for exec channels (default 0). */
  exitCode?: number;
  /** Ends the session after the output (`exit`, `quit`, `logout`). */
  close?: boolean;
  /** false: never page this output (Junos `| no-more`). */
  page?: boolean;
}

export interface RunContext {
  /** Aborted when the connection ends. */
  signal: AbortSignal;
  /** Bytes of one end of line as sent: 2 on a terminal (`\r\n`), 1 for `\n`. */
  eolBytes: number;
}

/** How a device pauses long output. */
export interface Pager {
  /** Lines shown before each pause. */
  lines: number;
  /** Printed at each pause, e.g. ` --More-- `. */
  marker: string;
  /** Printed after the key press to wipe the marker. */
  erase: string;
}

/** One interactive session with a device's CLI; a personality keeps its modes here. */
export interface CliSession {
  /** Printed once, before the first prompt. */
  readonly banner: string;
  prompt(): string;
  /** True while the device reads a secret (the enable password): input is not echoed. */
  readingSecret(): boolean;
  /** The paging in force, or null when it is off. */
  pager(): Pager | null;
  run(line: string, ctx: RunContext): Reply | Promise<Reply>;
}

/** What may follow a command's words. */
export type CommandArgs =
  | { kind: 'none' }
  | { kind: 'number'; min: number; max: number }
  /** Any text (kept as typed), required or not. */
  | { kind: 'text'; optional: boolean };

export interface Command<S> {
  /** Full keywords; each may be abbreviated to a unique prefix, as on real CLIs. */
  words: readonly string[];
  args?: CommandArgs;
  run(session: S, args: string, ctx: RunContext): Reply | Promise<Reply>;
}

export type Match<S> =
  | { kind: 'ok'; command: Command<S>; args: string }
  | { kind: 'empty' }
  /** `column`: where the offending word starts in the line. */
  | { kind: 'invalid'; column: number }
  | { kind: 'incomplete'; column: number }
  | { kind: 'ambiguous'; column: number };

interface Token {
  text: string;
  column: number;
}

/** Matches a typed line against a command table, the way Cisco-like CLIs parse. */
export function matchCommand<S>(line: string, commands: readonly Command<S>[]): Match<S> {
  const tokens: Token[] = [...line.matchAll(/\S+/g)].map((m) => ({
    text: m[0],
    column: m.index,
  }));
  if (tokens.length === 0) return { kind: 'empty' };
  let candidates = commands;
  for (let i = 0; ; i++) {
    const complete = candidates.filter((c) => c.words.length === i);
    const token = tokens[i];
    if (!token) {
      const done = complete.find((c) => {
        const args = c.args ?? { kind: 'none' };
        return args.kind === 'none' || (args.kind === 'text' && args.optional);
      });
      if (done) return { kind: 'ok', command: done, args: '' };
      return { kind: 'incomplete', column: line.trimEnd().length + 1 };
    }
    const lower = token.text.toLowerCase();
    const longer = candidates.filter((c) => c.words.length > i);
    const exact = longer.filter((c) => c.words[i] === lower);
    const prefixed = exact.length > 0 ? exact : longer.filter((c) => c.words[i]?.startsWith(lower));
    const distinct = new Set(prefixed.map((c) => c.words[i]));
    if (distinct.size > 1) return { kind: 'ambiguous', column: token.column };
    if (distinct.size === 1) {
      candidates = prefixed;
      continue;
    }
    const taker = complete.find((c) => c.args && c.args.kind !== 'none');
    return taker
      ? matchArgs(taker, tokens.slice(i), line)
      : { kind: 'invalid', column: token.column };
  }
}

function matchArgs<S>(command: Command<S>, rest: Token[], line: string): Match<S> {
  const first = rest[0];
  const args = command.args;
  if (!first || !args) return { kind: 'invalid', column: line.length };
  switch (args.kind) {
    case 'none':
      return { kind: 'invalid', column: first.column };
    case 'text':
      return { kind: 'ok', command, args: line.slice(first.column).trimEnd() };
    case 'number': {
      const n = Number(first.text);
      if (!/^\d+$/.test(first.text) || n < args.min || n > args.max) {
        return { kind: 'invalid', column: first.column };
      }
      const extra = rest[1];
      if (extra) return { kind: 'invalid', column: extra.column };
      return { kind: 'ok', command, args: first.text };
    }
  }
}
