import {
  ById,
  Group,
  GroupCreate,
  GroupListInput,
  GroupMember,
  GroupUpdateInput,
  GroupWithMembers,
  Membership,
  MembershipAdd,
  MembershipKey,
  MembershipUpdate,
} from '@netauto/schema';
import { z } from 'zod';
import { operatorProcedure, router, viewerProcedure } from '../trpc.js';

export const groupsRouter = router({
  list: viewerProcedure
    .input(GroupListInput.prefault({}))
    .output(z.array(Group))
    .query(({ ctx, input }) => ctx.services.groups.list(input.q)),
  byId: viewerProcedure
    .input(ById)
    .output(GroupWithMembers)
    .query(({ ctx, input }) => ctx.services.groups.byId(input.id)),
  create: operatorProcedure
    .input(GroupCreate)
    .output(Group)
    .mutation(({ ctx, input }) => ctx.services.groups.create(ctx.identity, input)),
  update: operatorProcedure
    .input(GroupUpdateInput)
    .output(Group)
    .mutation(({ ctx, input }) => ctx.services.groups.update(ctx.identity, input.id, input.patch)),
  delete: operatorProcedure
    .input(ById)
    .output(Group)
    .mutation(({ ctx, input }) => ctx.services.groups.delete(ctx.identity, input.id)),
  members: router({
    list: viewerProcedure
      .input(z.strictObject({ groupId: z.number().int().positive() }))
      .output(z.array(GroupMember))
      .query(({ ctx, input }) => ctx.services.groups.members(input.groupId)),
    add: operatorProcedure
      .input(MembershipAdd)
      .output(Membership)
      .mutation(({ ctx, input }) => ctx.services.groups.addMember(ctx.identity, input)),
    update: operatorProcedure
      .input(MembershipUpdate)
      .output(Membership)
      .mutation(({ ctx, input }) =>
        ctx.services.groups.updateMember(ctx.identity, input.groupId, input.deviceId, input.role),
      ),
    remove: operatorProcedure
      .input(MembershipKey)
      .output(Membership)
      .mutation(({ ctx, input }) =>
        ctx.services.groups.removeMember(ctx.identity, input.groupId, input.deviceId),
      ),
  }),
});
