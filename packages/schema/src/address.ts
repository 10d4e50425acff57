/**
 * IP addresses and networks in one written form, so that one address is one text: an
 * IPv4-mapped IPv6 address (`::ffff:192.0.2.1`) is its IPv4 address, and IPv6 is
 * compressed in lower case as PostgreSQL prints it (`host(inet)`), so that what the
 * database returns and what is computed here are the same text.
 */

/** An address as numbers: 4 bytes for IPv4, 8 16-bit words for IPv6. */
type Parsed = { family: 4; bytes: number[] } | { family: 6; words: number[] };

const V4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

function parseV4(text: string): number[] | undefined {
  const m = V4.exec(text);
  if (!m) return undefined;
  const bytes = m.slice(1, 5).map(Number);
  return bytes.every((b) => b <= 255) ? bytes : undefined;
}

function parseV6(text: string): number[] | undefined {
  if (!/^[0-9A-Fa-f:.]+$/.test(text)) return undefined;
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groups = (part: string): number[] | undefined => {
    if (part === '') return [];
    const out: number[] = [];
    const pieces = part.split(':');
    for (const [i, piece] of pieces.entries()) {
      if (piece.includes('.')) {
        // A dotted IPv4 tail, only as the last piece.
        const v4 = i === pieces.length - 1 ? parseV4(piece) : undefined;
        if (!v4) return undefined;
        out.push(((v4[0] ?? 0) << 8) | (v4[1] ?? 0), ((v4[2] ?? 0) << 8) | (v4[3] ?? 0));
      } else {
        if (!/^[0-9A-Fa-f]{1,4}$/.test(piece)) return undefined;
        out.push(parseInt(piece, 16));
      }
    }
    return out;
  };
  const head = groups(halves[0] ?? '');
  const tail = halves.length === 2 ? groups(halves[1] ?? '') : [];
  if (!head || !tail) return undefined;
  if (halves.length === 1) return head.length === 8 ? head : undefined;
  // A tail with a dotted IPv4 after `::` may not be split from its words.
  const fill = 8 - head.length - tail.length;
  if (fill < 1) return undefined;
  return [...head, ...new Array<number>(fill).fill(0), ...tail];
}

function parse(text: string): Parsed | undefined {
  const v4 = parseV4(text);
  if (v4) return { family: 4, bytes: v4 };
  const v6 = parseV6(text);
  if (!v6) return undefined;
  // IPv4-mapped (::ffff:a.b.c.d): that IPv4 address.
  if (v6.slice(0, 5).every((w) => w === 0) && v6[5] === 0xffff) {
    const [hi = 0, lo = 0] = v6.slice(6);
    return { family: 4, bytes: [hi >> 8, hi & 255, lo >> 8, lo & 255] };
  }
  return { family: 6, words: v6 };
}

/** IPv6 text as PostgreSQL writes it: the first longest run of two or more zero words as `::`. */
function formatV6(words: number[]): string {
  let best = { base: -1, len: 0 };
  let cur = { base: -1, len: 0 };
  for (let i = 0; i < 8; i++) {
    if (words[i] === 0) {
      cur = cur.base === -1 ? { base: i, len: 1 } : { base: cur.base, len: cur.len + 1 };
    } else if (cur.base !== -1) {
      if (best.base === -1 || cur.len > best.len) best = cur;
      cur = { base: -1, len: 0 };
    }
  }
  if (cur.base !== -1 && (best.base === -1 || cur.len > best.len)) best = cur;
  if (best.len < 2) best = { base: -1, len: 0 };
  let out = '';
  for (let i = 0; i < 8; i++) {
    if (best.base !== -1 && i >= best.base && i < best.base + best.len) {
      if (i === best.base) out += ':';
      continue;
    }
    if (i !== 0) out += ':';
    // The IPv4-compatible form (::a.b.c.d), as PostgreSQL prints it.
    if (i === 6 && best.base === 0 && best.len === 6) {
      const [hi = 0, lo = 0] = words.slice(6);
      out += `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
      break;
    }
    out += (words[i] ?? 0).toString(16);
  }
  if (best.base !== -1 && best.base + best.len === 8) out += ':';
  return out;
}

function format(p: Parsed): string {
  return p.family === 4 ? p.bytes.join('.') : formatV6(p.words);
}

/** The canonical text of an IP address, or undefined when `text` is not one. */
export function canonicalIp(text: string): string | undefined {
  const p = parse(text.trim());
  return p && format(p);
}

/** The address as bits, most significant first (32 for IPv4, 128 for IPv6). */
function bitsOf(p: Parsed): number[] {
  const bits: number[] = [];
  const push = (value: number, width: number) => {
    for (let b = width - 1; b >= 0; b--) bits.push((value >> b) & 1);
  };
  if (p.family === 4) for (const byte of p.bytes) push(byte, 8);
  else for (const word of p.words) push(word, 16);
  return bits;
}

/** A network: its canonical text `address/prefix`, family, and bits. */
export interface Network {
  cidr: string;
  family: 4 | 6;
  prefix: number;
  bits: number[];
}

/**
 * Reads a network (`10.0.0.0/8`, `2001:db8::/32`, or an address alone, which is a
 * network of one). An IPv4-mapped IPv6 network of /96 or longer is the IPv4 network.
 * Host bits set beyond the prefix are refused (`10.1.2.3/8` is a typo or a wider
 * scope than meant, never quietly widened). Returns the reason when it is not one.
 */
export function parseNetwork(text: string): Network | { error: string } {
  const t = text.trim();
  const slash = t.indexOf('/');
  const addressText = slash === -1 ? t : t.slice(0, slash);
  const prefixText = slash === -1 ? undefined : t.slice(slash + 1);
  const raw = parseV4(addressText) ? undefined : parseV6(addressText);
  const p = parse(addressText);
  if (!p) return { error: `"${t}" is not an IPv4 or IPv6 network (such as 10.0.0.0/8)` };
  const max = p.family === 4 ? 32 : 128;
  let prefix = max;
  if (prefixText !== undefined) {
    if (!/^\d{1,3}$/.test(prefixText)) return { error: `"${t}" has no valid prefix length` };
    prefix = Number(prefixText);
    // Written as mapped IPv6: its prefix counts the 96 bits in front of the IPv4 address.
    if (p.family === 4 && raw) {
      if (prefix < 96 || prefix > 128) {
        return { error: `"${t}": an IPv4-mapped network needs a prefix from 96 to 128` };
      }
      prefix -= 96;
    }
    if (prefix > max) return { error: `"${t}": the prefix length must be at most ${max}` };
  }
  const bits = bitsOf(p);
  if (bits.slice(prefix).some((b) => b !== 0)) {
    return {
      error: `"${t}" has address bits set past /${prefix}: write the network address (such as ${format(
        networkOf(p, prefix),
      )}/${prefix})`,
    };
  }
  return { cidr: `${format(p)}/${prefix}`, family: p.family, prefix, bits };
}

function networkOf(p: Parsed, prefix: number): Parsed {
  const bits = bitsOf(p).map((b, i) => (i < prefix ? b : 0));
  const value = (from: number, width: number) =>
    bits.slice(from, from + width).reduce((acc, b) => acc * 2 + b, 0);
  return p.family === 4
    ? { family: 4, bytes: [0, 1, 2, 3].map((i) => value(i * 8, 8)) }
    : { family: 6, words: [0, 1, 2, 3, 4, 5, 6, 7].map((i) => value(i * 16, 16)) };
}

/** The canonical text of a network, or undefined when `text` is not a valid one. */
export function canonicalCidr(text: string): string | undefined {
  const n = parseNetwork(text);
  return 'error' in n ? undefined : n.cidr;
}

/** True when the address is inside the network (an IPv4-mapped address counts as IPv4). */
export function networkContains(network: Network, address: string): boolean {
  const p = parse(address.trim());
  if (!p || p.family !== network.family) return false;
  const bits = bitsOf(p);
  for (let i = 0; i < network.prefix; i++) if (bits[i] !== network.bits[i]) return false;
  return true;
}
