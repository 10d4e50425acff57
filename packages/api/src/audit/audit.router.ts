import { AuditEvent, AuditListInput, page } from '@netauto/schema';
import { router, viewerProcedure } from '../trpc.js';

export const auditRouter = router({
  /** Audit events, newest first: only those the caller's role may read. */
  list: viewerProcedure
    .input(AuditListInput.prefault({}))
    .output(page(AuditEvent))
    .query(({ ctx, input }) => ctx.services.audit.list(ctx.identity, input)),
});
