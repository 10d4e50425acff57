import {
  ById,
  ChunkRange,
  Run,
  RunChunk,
  RunCreateInput,
  RunDetail,
  RunListInput,
  RunOutputEvent,
  RunOutputInput,
  page,
} from '@netauto/schema';
import { tracked } from '@trpc/server';
import { z } from 'zod';
import { toTRPCError } from '../errors.js';
import { operatorProcedure, router, viewerProcedure } from '../trpc.js';

export const runsRouter = router({
  create: operatorProcedure
    .input(RunCreateInput)
    .output(Run)
    .mutation(({ ctx, input }) => ctx.services.runs.create(ctx.identity, input)),
  list: viewerProcedure
    .input(RunListInput.prefault({}))
    .output(page(Run))
    .query(({ ctx, input }) => ctx.services.runs.list(input)),
  byId: viewerProcedure
    .input(ById)
    .output(RunDetail)
    .query(({ ctx, input }) => ctx.services.runs.byId(input.id)),
  chunks: viewerProcedure
    .input(ChunkRange)
    .output(z.array(RunChunk))
    .query(({ ctx, input }) => ctx.services.runs.chunks(input)),
  output: viewerProcedure
    .input(ById)
    .output(z.object({ text: z.string() }))
    .query(async ({ ctx, input }) => ({ text: await ctx.services.runs.output(input.id) })),
  /** The run's status as it changes, ending with its final status. */
  onStatus: viewerProcedure.input(ById).subscription(async function* ({ ctx, input, signal }) {
    try {
      for await (const run of ctx.services.runs.watch(input.id, signal)) {
        yield tracked(`${run.status}|${run.updatedAt}`, Run.parse(run));
      }
    } catch (error) {
      // A generator's errors pass no middleware: map domain errors here.
      throw toTRPCError(error) ?? error;
    }
  }),
  /** Output as it lands, tracked by seq: a reconnect resumes after the last chunk it got. */
  onOutput: viewerProcedure.input(RunOutputInput).subscription(async function* ({
    ctx,
    input,
    signal,
  }) {
    // A reconnect names the last event it got: after a chunk, go on from its seq; after
    // the end, only the end is left to send.
    const last = input.lastEventId;
    const afterSeq =
      last === 'end'
        ? 2_147_483_647
        : last != null && /^\d+$/.test(last)
          ? Number(last)
          : (input.afterSeq ?? -1);
    try {
      for await (const event of ctx.services.runs.follow(input.runId, afterSeq, signal)) {
        yield tracked(
          event.type === 'chunk' ? String(event.seq) : 'end',
          RunOutputEvent.parse(event),
        );
      }
    } catch (error) {
      throw toTRPCError(error) ?? error;
    }
  }),
  cancel: operatorProcedure
    .input(ById)
    .output(Run)
    .mutation(({ ctx, input }) => ctx.services.runs.cancel(ctx.identity, input.id)),
});
