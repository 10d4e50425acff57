import {
  ById,
  RenderInput,
  RenderOutput,
  Template,
  TemplateCreate,
  TemplateListInput,
  TemplateUpdateInput,
} from '@netauto/schema';
import { z } from 'zod';
import { operatorProcedure, router, viewerProcedure } from '../trpc.js';

export const templatesRouter = router({
  list: viewerProcedure
    .input(TemplateListInput.prefault({}))
    .output(z.array(Template))
    .query(({ ctx, input }) => ctx.services.templates.list(input)),
  byId: viewerProcedure
    .input(ById)
    .output(Template)
    .query(({ ctx, input }) => ctx.services.templates.byId(input.id)),
  render: viewerProcedure
    .input(RenderInput)
    .output(RenderOutput)
    .query(({ ctx, input }) => ctx.services.templates.render(input)),
  create: operatorProcedure
    .input(TemplateCreate)
    .output(Template)
    .mutation(({ ctx, input }) => ctx.services.templates.create(ctx.identity, input)),
  update: operatorProcedure
    .input(TemplateUpdateInput)
    .output(Template)
    .mutation(({ ctx, input }) =>
      ctx.services.templates.update(ctx.identity, input.id, input.patch),
    ),
  delete: operatorProcedure
    .input(ById)
    .output(Template)
    .mutation(({ ctx, input }) => ctx.services.templates.delete(ctx.identity, input.id)),
});
