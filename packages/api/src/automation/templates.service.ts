import { ValidationError } from '@netauto/db';
import {
  renderTemplate,
  type RenderInput,
  type RenderOutput,
  type Template,
  type TemplateCreate,
  type TemplateListInput,
  type TemplatePatch,
} from '@netauto/schema';
import { actorOf, audited } from '../audit/audit.js';
import type { Identity } from '../context.js';
import type { Store, Uses } from '../store.js';

/** What the templates service reads and writes. */
export type TemplatesRepos = Uses<{
  templates: 'list' | 'get' | 'create' | 'update' | 'delete';
  devices: 'get';
  audit: 'record';
}>;

export class TemplatesService {
  constructor(private readonly store: Store<TemplatesRepos>) {}

  list(input: TemplateListInput): Promise<Template[]> {
    return this.store.repos.templates.list(input);
  }

  byId(id: number): Promise<Template> {
    return this.store.repos.templates.get(id);
  }

  /**
   * The command a template gives with these values on a platform (that of `deviceId`, or
   * `generic` when neither is named), or the fields that are wrong.
   */
  async render(input: RenderInput): Promise<RenderOutput> {
    const { repos } = this.store;
    const [template, device] = await Promise.all([
      repos.templates.get(input.templateId),
      input.deviceId === undefined ? undefined : repos.devices.get(input.deviceId),
    ]);
    const platform = device?.platform ?? input.platform ?? 'generic';
    const result = renderTemplate(template, input.variables ?? {}, platform);
    if (!result.ok) {
      throw new ValidationError(
        Object.values(result.fieldErrors).flat().join('; '),
        result.fieldErrors,
      );
    }
    return { command: result.command, mode: template.mode, platform };
  }

  create(actor: Identity, input: TemplateCreate): Promise<Template> {
    return audited(
      this.store,
      actorOf(actor),
      'templates.create',
      (repos) => repos.templates.create(input),
      (t) => ({ type: 'template', id: t.id, summary: { name: t.name, mode: t.mode } }),
    );
  }

  update(actor: Identity, id: number, patch: TemplatePatch): Promise<Template> {
    return audited(
      this.store,
      actorOf(actor),
      'templates.update',
      (repos) => repos.templates.update(id, patch),
      (t) => ({
        type: 'template',
        id: t.id,
        summary: { name: t.name, changed: Object.keys(patch) },
      }),
    );
  }

  delete(actor: Identity, id: number): Promise<Template> {
    return audited(
      this.store,
      actorOf(actor),
      'templates.delete',
      (repos) => repos.templates.delete(id),
      (t) => ({ type: 'template', id: t.id, summary: { name: t.name } }),
    );
  }
}
