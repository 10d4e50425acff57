/**
 * A run's output as it arrives, kept as the chunks it came in (no copy, no string per
 * line) with a count of line breaks per chunk, so that any window of lines is found in
 * O(log chunks) and read without touching the rest. Megabytes stay cheap: the page
 * renders only the lines in view.
 */

interface Chunk {
  data: string;
  /** Line breaks in this chunk. */
  breaks: number;
  /** Line breaks in every chunk before this one. */
  breaksBefore: number;
}

/** Lines longer than this are cut on screen (the download has them whole). */
export const MAX_SHOWN_LINE = 2000;
const CACHED_INDEXES = 16;

export class OutputBuffer {
  private readonly chunks: Chunk[] = [];
  private breaks = 0;
  private chars = 0;
  private bytesSeen = 0;
  /** The seq of the last chunk taken, -1 before any. */
  lastSeq = -1;
  /** Where the line breaks of recently read chunks are. */
  private readonly indexes = new Map<number, Uint32Array>();

  /** Characters held. */
  get length(): number {
    return this.chars;
  }

  /** UTF-8 bytes held (what the run stored). */
  get bytes(): number {
    return this.bytesSeen;
  }

  /** Lines, not counting the empty one after a final line break. */
  get lineCount(): number {
    if (this.chars === 0) return 0;
    const last = this.chunks.at(-1)?.data ?? '';
    return this.breaks + (last.endsWith('\n') ? 0 : 1);
  }

  /**
   * Takes the chunk with this seq when it is the next one; an earlier one (already taken)
   * is ignored and a later one (something missed) refused, so that output is never
   * shown twice or with a hole. Returns whether it was taken.
   */
  push(seq: number, data: string): 'taken' | 'repeat' | 'gap' {
    if (seq <= this.lastSeq) return 'repeat';
    if (seq !== this.lastSeq + 1) return 'gap';
    this.lastSeq = seq;
    if (data.length === 0) return 'taken';
    let n = 0;
    for (let i = data.indexOf('\n'); i !== -1; i = data.indexOf('\n', i + 1)) n++;
    this.chunks.push({ data, breaks: n, breaksBefore: this.breaks });
    this.breaks += n;
    this.chars += data.length;
    this.bytesSeen += utf8Length(data);
    return 'taken';
  }

  /** Lines `from` to `from + count - 1` (fewer at the end), each without its line break. */
  lines(from: number, count: number): string[] {
    const out: string[] = [];
    const total = this.lineCount;
    if (from >= total || count <= 0) return out;
    let [c, offset] = this.lineStart(Math.max(0, from));
    let line = '';
    let cut = false;
    while (out.length < count && c < this.chunks.length) {
      const data = (this.chunks[c] as Chunk).data;
      const end = data.indexOf('\n', offset);
      const piece = data.slice(offset, end === -1 ? data.length : end);
      if (!cut) {
        line += piece;
        if (line.length > MAX_SHOWN_LINE) {
          line = `${line.slice(0, MAX_SHOWN_LINE)} …`;
          cut = true;
        }
      }
      if (end === -1) {
        c++;
        offset = 0;
        continue;
      }
      out.push(line);
      line = '';
      cut = false;
      offset = end + 1;
      if (offset >= data.length) {
        c++;
        offset = 0;
      }
    }
    if (out.length < count && out.length + from < total) out.push(line);
    return out;
  }

  /** The chunk and offset where line `k` starts. */
  private lineStart(k: number): [number, number] {
    if (k === 0) return [0, 0];
    // The chunk holding the k-th line break (1-based).
    let lo = 0;
    let hi = this.chunks.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const m = this.chunks[mid] as Chunk;
      if (m.breaksBefore + m.breaks < k) lo = mid + 1;
      else hi = mid;
    }
    const chunk = this.chunks[lo] as Chunk;
    const at = this.indexOf(lo)[k - chunk.breaksBefore - 1] as number;
    return at + 1 >= chunk.data.length ? [lo + 1, 0] : [lo, at + 1];
  }

  private indexOf(c: number): Uint32Array {
    let index = this.indexes.get(c);
    if (index) return index;
    const chunk = this.chunks[c] as Chunk;
    index = new Uint32Array(chunk.breaks);
    let n = 0;
    for (let i = chunk.data.indexOf('\n'); i !== -1; i = chunk.data.indexOf('\n', i + 1)) {
      index[n++] = i;
    }
    if (this.indexes.size >= CACHED_INDEXES) {
      const oldest = this.indexes.keys().next().value;
      if (oldest !== undefined) this.indexes.delete(oldest);
    }
    this.indexes.set(c, index);
    return index;
  }
}

/** Bytes of a string in UTF-8, without encoding it. */
export function utf8Length(s: string): number {
  let bytes = s.length;
  for (let i = 0; i < s.length; i++) {
    const code = s.charCodeAt(i);
    if (code < 0x80) continue;
    if (code < 0x800) bytes += 1;
    else if (code >= 0xd800 && code <= 0xdbff) {
      // A surrogate pair: four bytes for two UTF-16 units.
      bytes += 2;
      i++;
    } else bytes += 2;
  }
  return bytes;
}
