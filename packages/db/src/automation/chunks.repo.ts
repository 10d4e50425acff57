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
 * Splits text into pieces of at most `max` UTF-8 bytes without cutting a character.
 * PostgreSQL text cannot hold NUL, so NUL becomes U+FFFD.
 */
export function splitOutput(text: string, max = MAX_CHUNK_BYTES): string[] {
  const buf = Buffer.from(storedText(text), 'utf8');
  const pieces: string[] = [];
  let start = 0;
  while (start < buf.length) {
    let end = Math.min(start + max, buf.length);
    // Step back over continuation bytes (10xxxxxx) so a character is never split.
    while (end < buf.length && end > start && ((buf[end] ?? 0) & 0xc0) === 0x80) end -= 1;
    pieces.push(buf.toString('utf8', start, end));
    start = end;
  }
  return pieces;
}

/** Output as stored: pieces of at most 64 KiB without NUL, and their size in bytes. */
export function prepareOutput(output: string | readonly string[]): {
  pieces: string[];
  bytes: number;
} {
  const pieces = (typeof output === 'string' ? [output] : output)
    .flatMap((s) => splitOutput(s))
    .filter((s) => s.length > 0);
  return { pieces, bytes: pieces.reduce((n, s) => n + Buffer.byteLength(s, 'utf8'), 0) };
}

/**
 * The common table expressions that add chunks ($2, $3 of them, $4 bytes) to running
 * run $1: `c` is the chunks added, with the columns asked for.
 */
const appendCtes = (returning: string) => `r AS (
    UPDATE runs SET chunks = chunks + $3, bytes = bytes + $4, updated_at = now()
    WHERE id = $1 AND status = 'running'
    RETURNING chunks - $3 AS first
  ), c AS (
    INSERT INTO run_chunks (run_id, seq, data)
    SELECT $1, r.first + p.ord - 1, p.data
    FROM r, unnest($2::text[]) WITH ORDINALITY AS p(data, ord)
    RETURNING ${returning}
  )`;

export class ChunksRepo {
  constructor(private readonly ex: Executor) {}

  /**
   * Appends output to a running run in one statement: pieces over 64 KiB are split,
   * each gets the next seq (dense from 0, safe under concurrent appends: the run's
   * row lock orders them) and runs.bytes grows by their size.
   */
  async append(runId: number, output: string | readonly string[]): Promise<RunChunk[]> {
    const { pieces, bytes } = prepareOutput(output);
    if (pieces.length === 0) return [];
    const rows = await select<ChunkRow>(
      this.ex,
      `WITH ${appendCtes('run_id AS "runId", seq, data, created_at AS "createdAt"')}
       SELECT * FROM c`,
      [runId, pieces, pieces.length, bytes],
    );
    if (rows.length === 0) await this.refuse(runId);
    return rows.sort((a, b) => a.seq - b.seq).map(toChunk);
  }

  /**
   * The worker's way to append: the same statement, without sending the text back,
   * and announcing the new chunks to followers (at commit). Returns the last seq.
   */
  async store(runId: number, output: string | readonly string[]): Promise<number | undefined> {
    const { pieces, bytes } = prepareOutput(output);
    if (pieces.length === 0) return undefined;
    const row = await selectOne<{ last: number | null }>(
      this.ex,
      `WITH ${appendCtes('seq')}
       SELECT m.last, CASE WHEN m.last IS NOT NULL
         THEN pg_notify('${OUTPUT_CHANNEL}', concat($1::int, ':', m.last)) END AS notified
       FROM (SELECT max(seq) AS last FROM c) m`,
      [runId, pieces, pieces.length, bytes],
      { prepare: true },
    );
    if (row?.last === null || row?.last === undefined) return this.refuse(runId);
    return row.last;
  }

  private async refuse(runId: number): Promise<never> {
    const run = await selectOne<{ status: string }>(
      this.ex,
      'SELECT status FROM runs WHERE id = $1',
      [runId],
    );
    if (!run) throw new NotFoundError('run', runId);
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
