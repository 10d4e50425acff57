import { TemplateCreate, TemplateListInput, TemplatePatch, type Template } from '@netauto/schema';
import { Op, type WhereOptions } from 'sequelize';
import { NotFoundError } from '../errors.js';
import { CommandTemplate } from '../models/index.js';
import { containsPattern, iso, parseInput, translateError, type Executor } from '../sql.js';

function toTemplate(m: CommandTemplate): Template {
  return {
    id: m.id,
    name: m.name,
    body: m.body,
    mode: m.mode,
    variables: m.variables,
    enabled: m.enabled,
    notes: m.notes,
    commandTimeoutMs: m.commandTimeoutMs,
    createdAt: iso(m.createdAt),
    updatedAt: iso(m.updatedAt),
  };
}

export class TemplatesRepo {
  constructor(private readonly ex: Executor) {}

  private get model() {
    return this.ex.sequelize.getRepository(CommandTemplate);
  }

  private async guard<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      throw translateError(error);
    }
  }

  async list(input: TemplateListInput = {}): Promise<Template[]> {
    const q = parseInput(TemplateListInput, input);
    const where: WhereOptions<CommandTemplate>[] = [];
    if (q.q) {
      const like = containsPattern(q.q);
      where.push({ [Op.or]: [{ name: { [Op.iLike]: like } }, { body: { [Op.iLike]: like } }] });
    }
    if (q.mode) where.push({ mode: q.mode });
    if (q.enabled !== undefined) where.push({ enabled: q.enabled });
    const rows = await this.guard(() =>
      this.model.findAll({
        where: { [Op.and]: where },
        order: [['name', 'ASC']],
        transaction: this.ex.transaction ?? null,
      }),
    );
    return rows.map(toTemplate);
  }

  async get(id: number): Promise<Template> {
    const row = await this.guard(() =>
      this.model.findByPk(id, { transaction: this.ex.transaction ?? null }),
    );
    if (!row) throw new NotFoundError('template', id);
    return toTemplate(row);
  }

  async findByName(name: string): Promise<Template | undefined> {
    const row = await this.guard(() =>
      this.model.findOne({ where: { name }, transaction: this.ex.transaction ?? null }),
    );
    return row ? toTemplate(row) : undefined;
  }

  async create(input: TemplateCreate): Promise<Template> {
    const t = parseInput(TemplateCreate, input);
    const row = await this.guard(() =>
      this.model.create(
        {
          name: t.name,
          body: t.body,
          mode: t.mode,
          variables: t.variables,
          enabled: t.enabled,
          notes: t.notes ?? null,
          commandTimeoutMs: t.commandTimeoutMs ?? null,
        },
        { transaction: this.ex.transaction ?? null },
      ),
    );
    return toTemplate(row);
  }

  /** Changes the given fields; the body's placeholders must stay declared. */
  async update(id: number, patch: TemplatePatch): Promise<Template> {
    const p = parseInput(TemplatePatch, patch, 'patch');
    return this.guard(async () => {
      const row = await this.model.findByPk(id, {
        transaction: this.ex.transaction ?? null,
        lock: this.ex.transaction ? true : undefined,
      });
      if (!row) throw new NotFoundError('template', id);
      // Check the result as a whole when the body or the variables change: a new body may
      // not use an undeclared variable. (Disabling a template saved under older rules
      // must not wait for it to be fixed.)
      if (p.body !== undefined || p.variables !== undefined) {
        parseInput(
          TemplateCreate,
          {
            name: p.name ?? row.name,
            body: p.body ?? row.body,
            mode: p.mode ?? row.mode,
            variables: p.variables ?? row.variables,
            enabled: p.enabled ?? row.enabled,
            notes: p.notes === undefined ? row.notes : p.notes,
            commandTimeoutMs:
              p.commandTimeoutMs === undefined ? row.commandTimeoutMs : p.commandTimeoutMs,
          },
          'patch',
        );
      }
      row.set({
        ...(p.name !== undefined && { name: p.name }),
        ...(p.body !== undefined && { body: p.body }),
        ...(p.mode !== undefined && { mode: p.mode }),
        ...(p.variables !== undefined && { variables: p.variables }),
        ...(p.enabled !== undefined && { enabled: p.enabled }),
        ...(p.notes !== undefined && { notes: p.notes }),
        ...(p.commandTimeoutMs !== undefined && { commandTimeoutMs: p.commandTimeoutMs }),
      });
      // JSONB changes are not always detected by identity; say so.
      if (p.variables !== undefined) row.changed('variables', true);
      await row.save({ transaction: this.ex.transaction ?? null });
      return toTemplate(row);
    });
  }

  /** Deletes a template; runs made from it stay, with no template. */
  async delete(id: number): Promise<Template> {
    return this.guard(async () => {
      const row = await this.model.findByPk(id, { transaction: this.ex.transaction ?? null });
      if (!row) throw new NotFoundError('template', id);
      const template = toTemplate(row);
      await row.destroy({ transaction: this.ex.transaction ?? null });
      return template;
    });
  }
}
