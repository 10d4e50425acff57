import {
  ById,
  ChunkRange,
  Run,
  RunChunk,
  RunCreateInput,
  RunDetail,
  RunListInput,
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
  cancel: operatorProcedure
    .input(ById)
    .output(Run)
    .mutation(({ ctx, input }) => ctx.services.runs.cancel(ctx.identity, input.id)),
});
