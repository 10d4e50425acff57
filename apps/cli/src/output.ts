import Table from 'cli-table3';
import pc from 'picocolors';
import type { CliEnv } from './env.js';

export type Colors = ReturnType<typeof pc.createColors>;

/** Colours only on a terminal, never with NO_COLOR; FORCE_COLOR forces them. */
export function colorsFor(stream: NodeJS.WriteStream, env: CliEnv): Colors {
  const noColor = env.NO_COLOR !== undefined && env.NO_COLOR !== '';
  const force = env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '' && env.FORCE_COLOR !== '0';
  return pc.createColors(!noColor && (force || stream.isTTY));
}

export type Cell = string | number | boolean | null | undefined;

/**
 * Where everything printed goes: data on stdout, and with --json only JSON there;
 * messages, progress and warnings on stderr.
 */
export class Output {
  readonly out: Colors;
  readonly err: Colors;

  constructor(
    readonly json: boolean,
    env: CliEnv,
    readonly stdout: NodeJS.WriteStream = process.stdout,
    readonly stderr: NodeJS.WriteStream = process.stderr,
  ) {
    this.out = colorsFor(stdout, env);
    this.err = colorsFor(stderr, env);
  }

  /** Writes data to stdout, as it is. */
  write(text: string): void {
    this.stdout.write(text);
  }

  /** A line for people, on stderr. */
  info(message: string): void {
    this.stderr.write(`${message}\n`);
  }

  success(message: string): void {
    this.info(`${this.err.green('✓')} ${message}`);
  }

  warn(message: string): void {
    this.info(`${this.err.yellow('warning:')} ${message}`);
  }

  /** The machine-readable result of a command (stdout, one JSON document). */
  data(value: unknown): void {
    this.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  }

  /** Prints `value` as JSON with --json, or lets `human` print it for people. */
  emit<T>(value: T, human: (value: T) => void): void {
    if (this.json) this.data(value);
    else human(value);
  }

  table(head: string[], rows: Cell[][]): void {
    if (rows.length === 0) {
      this.info(this.err.dim('(none)'));
      return;
    }
    const table = new Table({
      head: head.map((h) => this.out.bold(h)),
      style: { head: [], border: [], compact: true },
      chars: {
        top: '',
        'top-mid': '',
        'top-left': '',
        'top-right': '',
        bottom: '',
        'bottom-mid': '',
        'bottom-left': '',
        'bottom-right': '',
        left: '',
        'left-mid': '',
        mid: '',
        'mid-mid': '',
        right: '',
        'right-mid': '',
        middle: '  ',
      },
    });
    for (const row of rows) table.push(row.map(cell));
    // cli-table3 pads every line with the spaces of its empty borders.
    const text = table
      .toString()
      .split('\n')
      .map((line) => line.replace(/^ /, '').trimEnd())
      .join('\n');
    this.stdout.write(`${text}\n`);
  }

  /** Key and value, one per line, for one record. */
  record(pairs: [string, Cell][]): void {
    const width = Math.max(...pairs.map(([k]) => k.length));
    for (const [key, value] of pairs) {
      this.stdout.write(`${this.out.dim(key.padEnd(width))}  ${cell(value)}\n`);
    }
  }

  status(status: string): string {
    switch (status) {
      case 'ok':
        return this.out.green(status);
      case 'error':
        return this.out.red(status);
      case 'running':
        return this.out.cyan(status);
      default:
        return this.out.yellow(status);
    }
  }
}

export function cell(value: Cell): string {
  if (value === null || value === undefined || value === '') return '-';
  return String(value);
}

/** `k=v,k2=v2` for tags and other string maps. */
export function pairsText(map: Record<string, unknown>): string {
  return Object.entries(map)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(',');
}

/** A timestamp as people read it, local time to the second. */
export function when(iso: string | null | undefined): string {
  if (!iso) return '-';
  const d = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}
