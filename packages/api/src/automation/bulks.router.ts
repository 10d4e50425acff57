import {
  Bulk,
  BulkCancelResult,
  BulkCreateInput,
  BulkListInput,
  BulkProgressEvent,
  BulkProgressInput,
  BulkRetryInput,
  BulkRetryResult,
  BulkSummary,
  BulkSummaryInput,
  ById,
  page,
} from '@netauto/schema';
import { tracked } from '@trpc/server';
import { toTRPCError } from '../errors.js';
import { operatorProcedure, router, viewerProcedure } from '../trpc.js';

export const bulksRouter = router({
  create: operatorProcedure
    .input(BulkCreateInput)
    .output(Bulk)
    .mutation(({ ctx, input }) => ctx.services.bulks.create(ctx.identity, input)),
  list: viewerProcedure
    .input(BulkListInput.prefault({}))
    .output(page(Bulk))
    .query(({ ctx, input }) => ctx.services.bulks.list(input)),
  byId: viewerProcedure
    .input(ById)
    .output(Bulk)
    .query(({ ctx, input }) => ctx.services.bulks.byId(input.id)),
  summary: viewerProcedure
    .input(BulkSummaryInput)
    .output(BulkSummary)
    .query(({ ctx, input }) => ctx.services.bulks.summary(input)),
  retryFailed: operatorProcedure
    .input(BulkRetryInput)
    .output(BulkRetryResult)
    .mutation(({ ctx, input }) => ctx.services.bulks.retryFailed(ctx.identity, input)),
  cancel: operatorProcedure
    .input(ById)
    .output(BulkCancelResult)
    .mutation(({ ctx, input }) => ctx.services.bulks.cancel(ctx.identity, input.id)),
  /** Each device's run as its status changes, and the counts; resumable by event id. */
  onProgress: viewerProcedure.input(BulkProgressInput).subscription(async function* ({
    ctx,
    input,
    signal,
  }) {
    try {
      for await (const { id, event } of ctx.services.bulks.follow(
        input.id,
        input.lastEventId,
        signal,
      )) {
        yield tracked(id, BulkProgressEvent.parse(event));
      }
    } catch (error) {
      // A generator's errors pass no middleware: map domain errors here.
      throw toTRPCError(error) ?? error;
    }
  }),
});
