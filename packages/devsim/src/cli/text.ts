/**
 * Command output: a string, chunks for outputs too big to hold (hundreds of MiB), or
 * chunks that come over time (`ping`), each written as soon as it comes. Lines end with
 * `\n`; the terminal turns them into `\r\n` where a real one would.
 */
export type Text = string | Iterable<string> | AsyncIterable<string>;

/** The chunks of `text` in order; timed output waits for each of its chunks. */
export async function* chunksOf(text: Text): AsyncGenerator<string> {
  if (typeof text === 'string') yield text;
  else yield* text;
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'] as const;
const MONTHS = [
  'Jan',
  'Feb',
  'Mar',
  'Apr',
  'May',
  'Jun',
  'Jul',
  'Aug',
  'Sep',
  'Oct',
  'Nov',
  'Dec',
] as const;

export function pad2(n: number): string {
  return String(n).padStart(2, '0');
}

/** `10:21:33` in UTC. */
export function hms(d: Date): string {
  return `${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())}`;
}

export function dayName(d: Date): string {
  return DAYS[d.getUTCDay()] ?? '';
}

export function monthName(d: Date): string {
  return MONTHS[d.getUTCMonth()] ?? '';
}

/** Columns padded to the given widths; the last column is not padded. */
export function row(widths: readonly number[], cells: readonly string[]): string {
  return cells
    .map((cell, i) => (i < cells.length - 1 ? cell.padEnd(widths[i] ?? 0) : cell))
    .join('')
    .trimEnd();
}

/** Splits seconds into years (365 d), weeks, days, hours and minutes. */
export function uptimeParts(seconds: number): {
  years: number;
  weeks: number;
  days: number;
  hours: number;
  minutes: number;
  totalDays: number;
} {
  const totalDays = Math.floor(seconds / 86_400);
  const years = Math.floor(totalDays / 365);
  const rest = totalDays - years * 365;
  return {
    years,
    weeks: Math.floor(rest / 7),
    days: rest % 7,
    hours: Math.floor((seconds % 86_400) / 3600),
    minutes: Math.floor((seconds % 3600) / 60),
    totalDays,
  };
}

/** `1 year, 12 weeks, 3 days, 4 hours, 5 minutes`, as IOS prints uptime. */
export function iosUptime(seconds: number): string {
  const p = uptimeParts(seconds);
  const parts: string[] = [];
  const add = (n: number, unit: string) => {
    if (n > 0) parts.push(`${n} ${unit}${n === 1 ? '' : 's'}`);
  };
  add(p.years, 'year');
  add(p.weeks, 'week');
  add(p.days, 'day');
  add(p.hours, 'hour');
  parts.push(`${p.minutes} minute${p.minutes === 1 ? '' : 's'}`);
  return parts.join(', ');
}

/** A MAC as `aabb.ccdd.eeff` (Cisco) from 12 hex digits. */
export function ciscoMac(hex: string): string {
  return `${hex.slice(0, 4)}.${hex.slice(4, 8)}.${hex.slice(8, 12)}`;
}

export function maskOf(prefixLength: number): string {
  const mask = prefixLength === 0 ? 0 : (0xffffffff << (32 - prefixLength)) >>> 0;
  return [24, 16, 8, 0].map((s) => (mask >>> s) & 255).join('.');
}

const HUGE_CHUNK = 64 * 1024;

/**
 * Exactly `bytes` bytes of log-like lines, as sent with an end of line of `eolBytes`
 * bytes (1 for `\n`, 2 for `\r\n`), in chunks of about 64 KiB. The text is the same
 * for the same arguments.
 */
export function* bulkLines(bytes: number, eolBytes: number, label: string): Generator<string> {
  const body = 'abcdefghijklmnopqrstuvwxyz0123456789'.repeat(2);
  let left = bytes;
  let n = 0;
  let chunk = '';
  let chunkBytes = 0;
  while (left > 0) {
    n++;
    const full = `${label} ${String(n).padStart(9, '0')} ${body}`;
    let piece: string;
    let size: number;
    if (left >= full.length + eolBytes) {
      piece = `${full}\n`;
      size = full.length + eolBytes;
    } else if (left >= eolBytes) {
      // The last line, shortened so that the total is exact.
      piece = `${full.slice(0, left - eolBytes)}\n`;
      size = left;
    } else {
      piece = 'x'.repeat(left);
      size = left;
    }
    chunk += piece;
    chunkBytes += size;
    left -= size;
    if (chunkBytes >= HUGE_CHUNK) {
      yield chunk;
      chunk = '';
      chunkBytes = 0;
    }
  }
  if (chunk) yield chunk;
}
