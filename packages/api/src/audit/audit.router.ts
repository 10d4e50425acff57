import { AuditEvent, AuditListInput, page } from '@netauto/schema';
import { router, viewerProcedure } from '../trpc.js';

export const auditRouter = router({
  list: viewerProcedure
    .input(AuditListInput.prefault({}))
    .output(page(AuditEvent))
    .query(({ ctx, input }) => ctx.services.audit.list(input)),
});
