import {
  ById,
  Device,
  DeviceCreate,
  DeviceGroupLink,
  DeviceListInput,
  DevicePage,
  DeviceUpdate,
  UpsertResult,
} from '@netauto/schema';
import { z } from 'zod';
import { operatorProcedure, router, viewerProcedure } from '../trpc.js';

export const devicesRouter = router({
  list: viewerProcedure
    .input(DeviceListInput.prefault({}))
    .output(DevicePage)
    .query(({ ctx, input }) => ctx.services.devices.list(input)),
  /** How many devices a filter matches (what a bulk run over it would touch). */
  count: viewerProcedure
    .input(DeviceListInput.prefault({}))
    .output(z.object({ count: z.number().int().nonnegative() }))
    .query(async ({ ctx, input }) => ({ count: await ctx.services.devices.count(input) })),
  byId: viewerProcedure
    .input(ById)
    .output(Device.extend({ groups: z.array(DeviceGroupLink) }))
    .query(({ ctx, input }) => ctx.services.devices.byId(input.id)),
  create: operatorProcedure
    .input(DeviceCreate)
    .output(Device)
    .mutation(({ ctx, input }) => ctx.services.devices.create(ctx.identity, input)),
  update: operatorProcedure
    .input(DeviceUpdate)
    .output(Device)
    .mutation(({ ctx, input }) => ctx.services.devices.update(ctx.identity, input.id, input.patch)),
  delete: operatorProcedure
    .input(ById)
    .output(Device)
    .mutation(({ ctx, input }) => ctx.services.devices.delete(ctx.identity, input.id)),
  /** Creates or updates many devices, matched on (hostname, site): all or nothing. */
  import: operatorProcedure
    .input(z.strictObject({ devices: z.array(z.unknown()).min(1).max(100_000) }))
    .output(UpsertResult)
    .mutation(({ ctx, input }) =>
      ctx.services.devices.import(ctx.identity, input.devices as DeviceCreate[]),
    ),
});
