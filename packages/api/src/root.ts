import { adminRouter } from './admin/admin.router.js';
import { auditRouter } from './audit/audit.router.js';
import { authRouter } from './auth/auth.router.js';
import { bulksRouter } from './automation/bulks.router.js';
import { runsRouter } from './automation/runs.router.js';
import { templatesRouter } from './automation/templates.router.js';
import { devicesRouter } from './inventory/devices.router.js';
import { groupsRouter } from './inventory/groups.router.js';
import { publicProcedure, router } from './trpc.js';
import { z } from 'zod';

export const appRouter = router({
  health: publicProcedure
    .output(z.object({ ok: z.literal(true) }))
    .query(() => ({ ok: true as const })),
  auth: authRouter,
  devices: devicesRouter,
  groups: groupsRouter,
  templates: templatesRouter,
  runs: runsRouter,
  bulks: bulksRouter,
  audit: auditRouter,
  admin: adminRouter,
});

export type AppRouter = typeof appRouter;
