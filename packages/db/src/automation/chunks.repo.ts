import { MAX_CHUNK_BYTES, type RunChunk } from '@netauto/schema';
import { InvalidStateError, NotFoundError, ValidationError } from '../errors.js';
import { iso, select, selectOne, type Executor } from '../sql.js';
import { OUTPUT_CHANNEL } from './queue.repo.js';

interface ChunkRow {
  runId: number;
  seq: number;
  data: string;
  createdAt: Date;
}

const toChunk = (r: ChunkRow): RunChunk => ({
  runId: r.runId,
  seq: r.seq,
  data: r.data,
  createdAt: iso(r.createdAt),
});

/** Output as PostgreSQL text can hold it: NUL becomes U+FFFD. */
export function storedText(text: string): string {
  return text.replaceAll('\u0000', '\uFFFD');
}

/**
 * Output packed for one statement: its UTF-8 bytes (NUL as U+FFFD, which PostgreSQL
 * text cannot hold) in one buffer, cut into chunks of at most `max` bytes that never
 * split a character (a text given in pieces: each piece starts a chunk). The buffer goes to PostgreSQL as one binary parameter with the
 * chunks' offsets and lengths, so the text is neither escaped nor parsed as an array.
 */
export interface PackedOutput {
  data: Buffer;
  offsets: number[];
  lengths: number[];
  /** The total size in bytes. */
  bytes: number;
}

export function packOutput(
  output: string | readonly string[],
  max = MAX_CHUNK_BYTES,
): PackedOutput {
  // Each piece starts a chunk of its own; a piece over `max` bytes is cut.
  const pieces = (typeof output === 'string' ? [output] : output).map(storedText);
  const data = Buffer.from(pieces.length === 1 ? (pieces[0] ?? '') : pieces.join(''), 'utf8');
  const offsets: number[] = [];
  const lengths: number[] = [];
  let start = 0;
  for (const piece of pieces) {
    const pieceEnd = start + (pieces.length === 1 ? data.length : Buffer.byteLength(piece));
    while (start < pieceEnd) {
      let end = Math.min(start + max, pieceEnd);
      // Step back over continuation bytes (10xxxxxx) so a character is never split.
      while (end < pieceEnd && end > start && ((data[end] ?? 0) & 0xc0) === 0x80) end -= 1;
      offsets.push(start);
      lengths.push(end - start);
      start = end;
    }
  }
  return { data, offsets, lengths, bytes: data.length };
}

/**
 * The rows of packed output in SQL: `p.data` (text) and `p.ord` (from 1), from the
 * parameters holding the buffer, the offsets and the lengths.
 */
export const packedRows = (data: string, offsets: string, lengths: string) =>
  `(SELECT convert_from(substring(${data}::bytea FROM u.off + 1 FOR u.len), 'UTF8') AS data, u.ord
    FROM unnest(${offsets}::int[], ${lengths}::int[]) WITH ORDINALITY AS u(off, len, ord)) p`;

/** The parameters of packed output, in the order packedRows names them. */
export const packedParams = (p: PackedOutput) => [p.data, p.offsets, p.lengths];

/**
 * The common table expressions that add chunks (packed in $2, $3, $4; $5 of them, $6
 * bytes) to running run $1: `c` is the chunks added, with the columns asked for.
 */
const appendCtes = (returning: string, guard = '') => `r AS (
    UPDATE runs SET chunks = chunks + $5, bytes = bytes + $6, updated_at = now()
    WHERE id = $1 AND status = 'running'${guard}
    RETURNING chunks - $5 AS first
  ), c AS (
    INSERT INTO run_chunks (run_id, seq, data)
    SELECT $1, r.first + p.ord - 1, p.data
    FROM r, ${packedRows('$2', '$3', '$4')}
    RETURNING ${returning}
  )`;

const appendParams = (runId: number, p: PackedOutput) => [
  runId,
  ...packedParams(p),
  p.lengths.length,
  p.bytes,
];

export class ChunksRepo {
  constructor(private readonly ex: Executor) {}

  /**
   * Appends output to a running run in one statement: pieces over 64 KiB are split,
   * each gets the next seq (dense from 0, safe under concurrent appends: the run's
   * row lock orders them) and runs.bytes grows by their size.
   */
  async append(runId: number, output: string | readonly string[]): Promise<RunChunk[]> {
    const packed = packOutput(output);
    if (packed.bytes === 0) return [];
    const rows = await select<ChunkRow>(
      this.ex,
      `WITH ${appendCtes('run_id AS "runId", seq, data, created_at AS "createdAt"')}
       SELECT * FROM c`,
      appendParams(runId, packed),
    );
    if (rows.length === 0) await this.refuse(runId);
    return rows.sort((a, b) => a.seq - b.seq).map(toChunk);
  }

  /**
   * The worker's way to append: the same statement, without sending the text back,
   * and announcing the new chunks to followers (at commit). Returns the last seq.
   *
   * With `first` (the seq this output's first chunk gets), storing is idempotent: it
   * stores only when the run has exactly `first` chunks, and when it already has this
   * output's chunks after them (an earlier attempt was committed, and its answer lost
   * with the connection) it returns their last seq without storing them again.
   */
  async store(
    runId: number,
    output: string | readonly string[],
    first?: number,
  ): Promise<number | undefined> {
    const packed = packOutput(output);
    if (packed.bytes === 0) return undefined;
    const row = await selectOne<{ last: number | null }>(
      this.ex,
      `WITH ${appendCtes('seq', ' AND ($7::int IS NULL OR chunks = $7)')}
       SELECT m.last, CASE WHEN m.last IS NOT NULL
         THEN pg_notify('${OUTPUT_CHANNEL}', concat($1::int, ':', m.last)) END AS notified
       FROM (SELECT max(seq) AS last FROM c) m`,
      [...appendParams(runId, packed), first ?? null],
      { prepare: true },
    );
    if (row?.last === null || row?.last === undefined) {
      return this.refuse(runId, first === undefined ? undefined : first + packed.lengths.length);
    }
    return row.last;
  }

  /**
   * Stores output of several running runs in one statement, each as `store` would:
   * its own dense seqs, bytes and announcement. Returns each run's last seq, or
   * undefined for a run that is not running (nothing of it is stored). Runs given more
   * than once are refused: one batch at a time per run.
   */
  async storeMany(
    items: readonly { runId: number; output: string | readonly string[]; first?: number }[],
  ): Promise<(number | undefined)[]> {
    const runIds = items.map((i) => i.runId);
    if (new Set(runIds).size !== runIds.length) {
      throw new ValidationError('each run may be given once', { runId: ['given twice'] });
    }
    const packed = items.map((i) => packOutput(i.output));
    const data = Buffer.concat(packed.map((p) => p.data));
    const pieceRun: number[] = [];
    const offsets: number[] = [];
    const lengths: number[] = [];
    let base = 0;
    packed.forEach((p, i) => {
      for (let k = 0; k < p.offsets.length; k++) {
        pieceRun.push(runIds[i] ?? 0);
        offsets.push(base + (p.offsets[k] ?? 0));
        lengths.push(p.lengths[k] ?? 0);
      }
      base += p.data.length;
    });
    const rows = await select<{ runId: number; last: number }>(
      this.ex,
      `WITH p AS (
         SELECT u.run_id, u.ord, u.len,
           convert_from(substring($1::bytea FROM u.off + 1 FOR u.len), 'UTF8') AS data
         FROM unnest($2::int[], $3::int[], $4::int[]) WITH ORDINALITY AS u(run_id, off, len, ord)
       ), n AS (
         SELECT run_id, count(*)::int AS pieces, sum(len)::bigint AS bytes, min(ord) AS first_ord
         FROM p GROUP BY run_id
       ), l AS (
         -- Rows locked in id order, as every statement that changes many running runs
         -- does (the heartbeat, a bulk's cancel): they never deadlock with each other.
         SELECT id FROM runs WHERE id IN (SELECT run_id FROM n) AND status = 'running'
         ORDER BY id FOR UPDATE
       ), e AS (
         -- The seq each run's output starts at, when the caller said (see store).
         SELECT * FROM unnest($5::int[], $6::int[]) AS e(run_id, first)
       ), r AS (
         UPDATE runs SET chunks = runs.chunks + n.pieces, bytes = runs.bytes + n.bytes,
           updated_at = now()
         FROM n JOIN l ON l.id = n.run_id JOIN e ON e.run_id = n.run_id
         WHERE runs.id = n.run_id AND runs.status = 'running'
           AND (e.first IS NULL OR runs.chunks = e.first)
         RETURNING runs.id, runs.chunks - n.pieces AS first, n.first_ord
       ), c AS (
         INSERT INTO run_chunks (run_id, seq, data)
         SELECT p.run_id, r.first + (p.ord - r.first_ord)::int, p.data
         FROM p JOIN r ON r.id = p.run_id
         RETURNING run_id, seq
       )
       SELECT m.run_id AS "runId", m.last,
         pg_notify('${OUTPUT_CHANNEL}', concat(m.run_id, ':', m.last)) AS notified
       FROM (SELECT run_id, max(seq) AS last FROM c GROUP BY run_id) m`,
      [data, pieceRun, offsets, lengths, runIds, items.map((i) => i.first ?? null)],
      { prepare: true },
    );
    const last = new Map(rows.map((r) => [r.runId, r.last]));
    return runIds.map((id) => last.get(id));
  }

  /**
   * Why output was not stored. When the run already has `storedTo` chunks and runs, the
   * output was stored by an earlier attempt: the last seq is returned.
   */
  private async refuse(runId: number, storedTo?: number): Promise<number> {
    const run = await selectOne<{ status: string; chunks: number }>(
      this.ex,
      'SELECT status, chunks FROM runs WHERE id = $1',
      [runId],
    );
    if (!run) throw new NotFoundError('run', runId);
    if (run.status === 'running' && storedTo !== undefined) {
      if (run.chunks === storedTo) return storedTo - 1;
      throw new InvalidStateError(
        `run ${runId} has ${run.chunks} chunks, not the ones this output follows`,
      );
    }
    throw new InvalidStateError(
      `run ${runId} is ${run.status}; output is only added while it runs`,
    );
  }

  /** Chunks with seq greater than `afterSeq` (-1 for all), in order. */
  async list(runId: number, afterSeq = -1, limit = 100): Promise<RunChunk[]> {
    if (!Number.isInteger(afterSeq) || afterSeq < -1) {
      throw new ValidationError('afterSeq must be a whole number of -1 or more', {
        afterSeq: ['must be -1 or more'],
      });
    }
    const rows = await select<ChunkRow>(
      this.ex,
      `SELECT run_id AS "runId", seq, data, created_at AS "createdAt" FROM run_chunks
       WHERE run_id = $1 AND seq > $2 ORDER BY seq LIMIT $3`,
      [runId, afterSeq, Math.max(1, Math.min(limit, 10_000))],
    );
    return rows.map(toChunk);
  }

  /**
   * For each (run, afterSeq) asked, that run's chunks after afterSeq, up to `limit` each,
   * in one statement: many followers woken at once read together. The answer is in the
   * order asked.
   */
  async listMany(
    wanted: readonly { runId: number; afterSeq: number }[],
    limit = 100,
  ): Promise<RunChunk[][]> {
    if (wanted.length === 0) return [];
    const rows = await select<ChunkRow & { i: string }>(
      this.ex,
      `SELECT w.i, c.run_id AS "runId", c.seq, c.data, c.created_at AS "createdAt"
       FROM unnest($1::int[], $2::int[]) WITH ORDINALITY AS w(run_id, after, i)
       CROSS JOIN LATERAL (
         SELECT * FROM run_chunks c WHERE c.run_id = w.run_id AND c.seq > w.after
         ORDER BY c.seq LIMIT $3
       ) c
       ORDER BY w.i, c.seq`,
      [
        wanted.map((w) => w.runId),
        wanted.map((w) => Math.max(-1, Math.trunc(w.afterSeq))),
        Math.max(1, Math.min(limit, 10_000)),
      ],
    );
    const out = wanted.map((): RunChunk[] => []);
    for (const row of rows) out[Number(row.i) - 1]?.push(toChunk(row));
    return out;
  }

  /** A run's whole output as one text. */
  async text(runId: number): Promise<string> {
    const row = await selectOne<{ text: string | null }>(
      this.ex,
      `SELECT string_agg(data, '' ORDER BY seq) AS text FROM run_chunks WHERE run_id = $1`,
      [runId],
    );
    return row?.text ?? '';
  }
}
