import { error } from '@sveltejs/kit';
import { errorPage, idParam } from '$lib/server/forms';
import type { RequestHandler } from './$types';

/** Chunks read per call: at most 64 KiB each. */
const PAGE = 64;

/** The whole output of a run as a text file, read from the store a page at a time. */
export const GET: RequestHandler = async ({ locals, params }) => {
  const id = idParam(params.id);
  if (id === undefined) error(404, 'No such run');
  const api = locals.api;
  // Asked first, so that a missing run or a role too low is an error page, not a cut file.
  await api.runs.byId({ id }).catch(errorPage);
  const encoder = new TextEncoder();
  let after = -1;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const chunks = await api.runs.chunks({ runId: id, afterSeq: after, limit: PAGE });
      for (const c of chunks) controller.enqueue(encoder.encode(c.data));
      const last = chunks.at(-1);
      if (!last || chunks.length < PAGE) controller.close();
      else after = last.seq;
    },
  });
  return new Response(body, {
    headers: {
      'content-type': 'text/plain; charset=utf-8',
      'content-disposition': `attachment; filename="run-${id}.txt"`,
      'cache-control': 'no-store',
    },
  });
};
