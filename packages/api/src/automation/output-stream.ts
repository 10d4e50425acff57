import { once } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { encodeFrame, OUTPUT_FRAMES_TYPE } from '@netauto/schema';
import { TRPCError } from '@trpc/server';
import { getHTTPStatusCodeFromError } from '@trpc/server/http';
import { createContext, type Identity, type RequestInfo } from '../context.js';
import { toTRPCError } from '../errors.js';
import type { Services } from '../services.js';

/**
 * `GET /api/runs/:id/output`: a run's output as it is stored and as it lands, until the
 * run ends, as bytes: the fast way to follow a large output (no JSON, no event
 * framing), and one that `curl -N` can read.
 *
 *   ?after=SEQ         start after this chunk (default -1: from the first)
 *   ?format=text       the output's own bytes (the default)
 *   ?format=frames     each chunk behind a header with its seq, then the run as it
 *                      ended (see OUTPUT_FRAMES_TYPE), to resume after a drop
 *
 * The same rules as `runs.onOutput`: any signed-in role, each chunk once and in order.
 */
export const OUTPUT_STREAM_PATH = /^\/api\/runs\/([^/]+)\/output$/;

const encoder = new TextEncoder();

interface Answer {
  status: number;
  headers: Record<string, string>;
  /** The streamed body, or a whole one. */
  body: AsyncIterable<Uint8Array> | string;
}

function problem(error: TRPCError): Answer {
  return {
    status: getHTTPStatusCodeFromError(error),
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ error: { code: error.code, message: error.message } }),
  };
}

const badRequest = (message: string) => problem(new TRPCError({ code: 'BAD_REQUEST', message }));

/**
 * The stream's bytes: each chunk (in frames, or as it is), then the end. Its caller is
 * checked again while it streams: a revoked token, an ended session or a disabled user
 * ends it within seconds, with an error frame (or, as text, a cut connection).
 */
async function* outputBytes(
  services: Services,
  identity: Identity,
  runId: number,
  afterSeq: number,
  frames: boolean,
  signal: AbortSignal,
): AsyncGenerator<Uint8Array> {
  const lease = services.accessWatch.watch(identity, 'viewer');
  const both = AbortSignal.any([signal, lease.signal]);
  try {
    for await (const event of services.runs.follow(runId, afterSeq, both)) {
      if (event.type === 'chunk') {
        const data = Buffer.from(event.data, 'utf8');
        yield frames ? encodeFrame({ kind: 'chunk', seq: event.seq }, data) : data;
      } else if (frames) {
        yield encodeFrame({ kind: 'end' }, encoder.encode(JSON.stringify(event.run)));
      }
    }
    if (lease.signal.aborted && !signal.aborted) throw lease.signal.reason;
  } catch (error) {
    if (signal.aborted) return;
    const known = toTRPCError(error);
    if (!known) services.logger.error({ runId, err: error }, 'output stream failed');
    // In frames the follower is told; as text, the connection is cut, so that an
    // output that stopped short never looks whole.
    if (!frames) throw error;
    const info = known ?? { code: 'INTERNAL_SERVER_ERROR', message: 'the output stream failed' };
    yield encodeFrame(
      { kind: 'error' },
      encoder.encode(JSON.stringify({ code: info.code, message: info.message })),
    );
  } finally {
    lease.stop();
  }
}

/** What to answer a request for a run's output stream (undefined: not that path). */
async function answer(
  services: Services,
  method: string,
  url: URL,
  info: RequestInfo,
  signal: AbortSignal,
): Promise<Answer | undefined> {
  const match = OUTPUT_STREAM_PATH.exec(url.pathname);
  if (!match) return undefined;
  if (method !== 'GET' && method !== 'HEAD') {
    return {
      ...problem(new TRPCError({ code: 'METHOD_NOT_SUPPORTED', message: 'use GET' })),
      headers: { 'content-type': 'application/json', allow: 'GET, HEAD' },
    };
  }
  const id = Number(match[1]);
  if (!Number.isSafeInteger(id) || id < 1) return badRequest('id: must be a positive whole number');
  const afterParam = url.searchParams.get('after');
  const afterSeq = afterParam === null || afterParam === '' ? -1 : Number(afterParam);
  if (!Number.isSafeInteger(afterSeq) || afterSeq < -1 || afterSeq > 2_147_483_647) {
    return badRequest('after: must be a whole number of -1 or more');
  }
  const format = url.searchParams.get('format') ?? 'text';
  if (format !== 'text' && format !== 'frames') {
    return badRequest('format: must be text or frames');
  }
  let identity: Awaited<ReturnType<typeof createContext>>['identity'];
  try {
    ({ identity } = await createContext(services, info));
  } catch (error) {
    const known = toTRPCError(error);
    if (known) return problem(known);
    throw error;
  }
  if (!identity) {
    return problem(new TRPCError({ code: 'UNAUTHORIZED', message: 'sign in or send a token' }));
  }
  try {
    await services.runs.get(id);
  } catch (error) {
    const known = toTRPCError(error);
    if (known) return problem(known);
    throw error;
  }
  return {
    status: 200,
    headers: {
      'content-type': format === 'frames' ? OUTPUT_FRAMES_TYPE : 'text/plain; charset=utf-8',
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
    },
    body:
      method === 'HEAD'
        ? ''
        : outputBytes(services, identity, id, afterSeq, format === 'frames', signal),
  };
}

/**
 * The output stream for hosts that speak Request/Response (SvelteKit). Resolves to
 * undefined for any other path.
 */
export function createOutputStreamHandler(
  services: Services,
  options: { clientIp?: (req: Request) => string | null } = {},
) {
  return async (req: Request): Promise<Response | undefined> => {
    const info: RequestInfo = {
      header: (name) => req.headers.get(name),
      clientIp: options.clientIp?.(req) ?? null,
      setCookie: () => undefined,
    };
    const abort = new AbortController();
    req.signal.addEventListener(
      'abort',
      () => {
        abort.abort();
      },
      { once: true },
    );
    const found = await answer(services, req.method, new URL(req.url), info, abort.signal);
    if (!found) return undefined;
    const { status, headers, body } = found;
    if (typeof body === 'string') return new Response(body || null, { status, headers });
    const parts = body[Symbol.asyncIterator]();
    const stream = new ReadableStream<Uint8Array>(
      {
        async pull(controller) {
          const next = await parts.next();
          if (next.done) controller.close();
          else controller.enqueue(next.value);
        },
        async cancel() {
          abort.abort();
          await parts.return?.();
        },
      },
      { highWaterMark: 0 },
    );
    return new Response(stream, { status, headers });
  };
}

/** The output stream on a Node server; false when the request is for another path. */
export async function serveOutputStream(
  services: Services,
  req: IncomingMessage,
  res: ServerResponse,
  info: RequestInfo,
): Promise<boolean> {
  const abort = new AbortController();
  res.once('close', () => {
    abort.abort();
  });
  const url = new URL(req.url ?? '/', 'http://localhost');
  const found = await answer(services, req.method ?? 'GET', url, info, abort.signal);
  if (!found) return false;
  res.writeHead(found.status, found.headers);
  if (typeof found.body === 'string') {
    res.end(found.body);
    return true;
  }
  try {
    for await (const part of found.body) {
      if (res.destroyed) break;
      if (!res.write(part)) await once(res, 'drain', { signal: abort.signal });
    }
    res.end();
  } catch {
    // Cut, so that the reader sees that the output stopped short.
    res.destroy();
  }
  return true;
}
