import { performance } from 'node:perf_hooks';
import type { Reply, RunContext } from '../cli/commands.js';
import { pause } from '../cli/outlet.js';
import type { DeviceContext } from '../personality.js';
import { seeded } from '../prng.js';

/** What `ping -V` prints: the iputils release of Debian 12. */
export const PING_VERSION = 'ping from iputils 20221126\n';

/** What a bad option prints after its error line (iputils' usage, on stderr; status 2). */
export const PING_USAGE = `
Usage
  ping [options] <destination>

Options:
  <destination>      dns name or ip address
  -a                 use audible ping
  -A                 use adaptive ping
  -B                 sticky source address
  -c <count>         stop after <count> replies
  -D                 print timestamps
  -d                 use SO_DEBUG socket option
  -f                 flood ping
  -h                 print help and exit
  -I <interface>     either interface name or address
  -i <interval>      seconds between sending each packet
  -L                 suppress loopback of multicast packets
  -l <preload>       send <preload> number of packages while waiting replies
  -m <mark>          tag the packets going out
  -M <pmtud opt>     define mtu discovery, can be one of <do|dont|want>
  -n                 no dns name resolution
  -O                 report outstanding replies
  -p <pattern>       contents of padding byte
  -q                 quiet output
  -Q <tclass>        use quality of service <tclass> bits
  -s <size>          use <size> as number of data bytes to be sent
  -S <size>          use <size> as SO_SNDBUF socket option value
  -t <ttl>           define time to live
  -U                 print user-to-user latency
  -v                 verbose output
  -V                 print version and exit
  -w <deadline>      reply wait <deadline> in seconds
  -W <timeout>       time to wait for response

IPv4 options:
  -4                 use IPv4
  -b                 allow pinging broadcast
  -R                 record route
  -T <timestamp>     define timestamp, can be one of <tsonly|tsandaddr|tsprespec>

IPv6 options:
  -6                 use IPv6
  -F <flowlabel>     define flow label, default is random
  -N <nodeinfo opt>  use icmp6 node info query, try <help> as argument

For more details see ping(8).
`;

/** The shortest interval a user other than root may ask for, in ms (iputils). */
export const PING_MIN_USER_INTERVAL_MS = 2;

/** Where Debian's /etc/hosts puts a host's own name. */
const OWN_NAME_IP = '127.0.1.1';
const LONG_MAX = 9_223_372_036_854_775_807n;
const INT_MAX = 2_147_483_647;

const FLAGS = new Set(['4', 'D', 'n', 'q']);
const WITH_VALUE = new Set(['c', 'i']);

interface PingOptions {
  count: number | undefined;
  intervalMs: number;
  stamps: boolean;
  numeric: boolean;
  quiet: boolean;
  target: string;
}

const failWith = (message: string, exitCode: number): Reply => ({
  out: '',
  err: `ping: ${message}\n`,
  exitCode,
});

const usage = (message: string): Reply => ({
  out: '',
  err: `ping: ${message}\n${PING_USAGE}`,
  exitCode: 2,
});

/** `-c`: a whole number from 1 (strtol, as iputils reads it), or the error reply. */
function parseCount(value: string): number | Reply {
  if (!/^\s*[+-]?\d+$/.test(value)) return failWith(`invalid argument: '${value}'`, 1);
  const n = BigInt(value.trim());
  if (n > LONG_MAX || n < -LONG_MAX - 1n) {
    return failWith(`invalid argument: '${value}': Numerical result out of range`, 1);
  }
  if (n < 1n) {
    return failWith(`invalid argument: '${value}': out of range: 1 <= value <= ${LONG_MAX}`, 1);
  }
  return Number(n);
}

/** `-i`: seconds as a decimal number (strtod), kept in whole ms as iputils does, or the error reply. */
function parseInterval(value: string): number | Reply {
  const text = value.replace(/^\s+/, '');
  if (/^[+-]?(inf(inity)?|nan(\(\w*\))?)$/i.test(text)) {
    return failWith(`bad timing interval: ${value}: Numerical result out of range`, 2);
  }
  if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(text)) {
    return failWith(`bad timing interval: ${value}`, 2);
  }
  const seconds = Number(text);
  if (!Number.isFinite(seconds)) {
    return failWith(`bad timing interval: ${value}: Numerical result out of range`, 2);
  }
  if (seconds > Math.floor(INT_MAX / 1000)) return failWith(`bad timing interval: ${value}`, 2);
  return Math.trunc(seconds * 1000);
}

/** Reads the command line as iputils' getopt does (options may follow the destination). */
function parseArgs(args: readonly string[]): PingOptions | Reply {
  const operands: string[] = [];
  let count: number | undefined;
  let intervalMs = 1000;
  const flags = new Set<string>();
  for (let k = 0; k < args.length; k++) {
    const arg = args[k] ?? '';
    if (arg === '--') {
      operands.push(...args.slice(k + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      operands.push(arg);
      continue;
    }
    for (let j = 1; j < arg.length; j++) {
      const opt = arg.charAt(j);
      if (opt === 'V') return { out: PING_VERSION, exitCode: 0 };
      if (FLAGS.has(opt)) {
        flags.add(opt);
        continue;
      }
      if (!WITH_VALUE.has(opt)) return usage(`invalid option -- '${opt}'`);
      let value = arg.slice(j + 1);
      if (value === '') {
        k++;
        const next = args[k];
        if (next === undefined) return usage(`option requires an argument -- '${opt}'`);
        value = next;
      }
      const parsed = opt === 'c' ? parseCount(value) : parseInterval(value);
      if (typeof parsed !== 'number') return parsed;
      if (opt === 'c') count = parsed;
      else intervalMs = parsed;
      break;
    }
  }
  const target = operands.at(-1);
  if (target === undefined) return failWith('usage error: Destination address required', 1);
  return {
    count,
    intervalMs,
    stamps: flags.has('D'),
    numeric: flags.has('n'),
    quiet: flags.has('q'),
    target,
  };
}

function isIpv4(text: string): boolean {
  const parts = text.split('.');
  return parts.length === 4 && parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255);
}

/** Milliseconds and microseconds as ping prints a round-trip time given in microseconds. */
function rttText(us: number): string {
  if (us >= 100_000 - 50) return `${Math.floor((us + 500) / 1000)}`;
  if (us >= 10_000 - 5) {
    return `${Math.floor((us + 50) / 1000)}.${Math.floor(((us + 50) % 1000) / 100)}`;
  }
  if (us >= 1000) {
    return `${Math.floor((us + 5) / 1000)}.${String(Math.floor(((us + 5) % 1000) / 10)).padStart(2, '0')}`;
  }
  return `0.${String(us).padStart(3, '0')}`;
}

/** `a.bbb` ms from microseconds, as the statistics line prints them. */
function msText(us: number): string {
  return `${Math.floor(us / 1000)}.${String(us % 1000).padStart(3, '0')}`;
}

function statistics(name: string, rtts: readonly number[], intervalMs: number): string {
  const n = rtts.length;
  const sum = rtts.reduce((a, b) => a + b, 0);
  const sum2 = rtts.reduce((a, b) => a + b * b, 0);
  const avg = Math.floor(sum / n);
  const variance = Math.floor((sum2 - Math.floor((sum * sum) / n)) / n);
  const mdev = Math.floor(Math.sqrt(Math.max(0, variance)));
  return (
    `\n--- ${name} ping statistics ---\n` +
    `${n} packets transmitted, ${n} received, 0% packet loss, time ${(n - 1) * intervalMs}ms\n` +
    `rtt min/avg/max/mdev = ${msText(Math.min(...rtts))}/${msText(avg)}/${msText(Math.max(...rtts))}/${msText(mdev)} ms\n`
  );
}

/**
 * `ping` as Debian's iputils prints it, from a host that answers every request: the
 * header at once, then one reply line every interval (the first at once), each written
 * when it is due; with `-D` each starts with `[seconds.micros]`, the wall-clock time
 * (Date.now() when the ping started, plus the monotonic clock since) at which it is
 * written. After the last of `-c` replies, the statistics (time: the nominal
 * (count - 1) x interval). Without `-c` it goes on until the session ends. Round-trip
 * times are seeded by the device and the target. It knows IPv4 addresses and the host's
 * own name (127.0.1.1, as Debian's /etc/hosts has it); `-4`, `-n` and `-q` are taken too.
 */
export function ping(args: readonly string[], ctx: RunContext, device: DeviceContext): Reply {
  const parsed = parseArgs(args);
  if (!('target' in parsed)) return parsed;
  const { count, intervalMs, stamps, numeric, quiet, target } = parsed;
  const host = device.spec.hostname;
  let ip: string;
  if (isIpv4(target)) ip = target;
  else if (target === host) ip = OWN_NAME_IP;
  else return failWith(`${target}: Name or service not known`, 2);
  if (intervalMs < PING_MIN_USER_INTERVAL_MS) {
    return failWith(
      `cannot flood; minimal interval allowed for user is ${PING_MIN_USER_INTERVAL_MS}ms`,
      2,
    );
  }
  const named = ip !== target;
  const from = named && !numeric ? `${target} (${ip})` : ip;
  const rng = seeded(host, `ping ${ip}`);
  const local = ip.startsWith('127.');
  const base = local ? rng.int(20, 60) : rng.int(300, 1500);
  const spread = local ? 15 : Math.floor(base / 4);
  const { signal } = ctx;

  async function* lines(): AsyncGenerator<string> {
    const started = performance.now();
    const wallAtStart = Date.now() * 1000;
    yield `PING ${target} (${ip}) 56(84) bytes of data.\n`;
    const rtts: number[] = [];
    for (let seq = 1; count === undefined || seq <= count; seq++) {
      const wait = started + (seq - 1) * intervalMs - performance.now();
      if (wait > 0 && !(await pause(wait, signal))) return;
      if (signal.aborted) return;
      const rtt = Math.max(1, base + rng.int(-spread, spread));
      rtts.push(rtt);
      if (quiet) continue;
      let stamp = '';
      if (stamps) {
        const us = Math.floor(wallAtStart + (performance.now() - started) * 1000);
        stamp = `[${Math.floor(us / 1_000_000)}.${String(us % 1_000_000).padStart(6, '0')}] `;
      }
      yield `${stamp}64 bytes from ${from}: icmp_seq=${seq} ttl=64 time=${rttText(rtt)} ms\n`;
    }
    yield statistics(target, rtts, intervalMs);
  }

  return { out: lines(), exitCode: 0 };
}
