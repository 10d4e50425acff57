import { readFile } from 'node:fs/promises';
import {
  Command,
  Option,
  type CommandUnknownOpts,
  type OptionValues,
} from '@commander-js/extra-typings';
import { confirm } from '@inquirer/prompts';
import {
  PLATFORMS,
  TEMPLATE_MODES,
  TemplateCreate,
  TemplatePatch,
  type Template,
} from '@netauto/schema';
import { parse as parseYaml } from 'yaml';
import type { Context } from '../context.js';
import { CliError, UsageError } from '../errors.js';
import { collectPairs, positiveInt } from '../options.js';
import { when } from '../output.js';
import { resolveDevice, resolveTemplate } from '../resolve.js';
import { fieldProblems } from './common.js';

/** Options shared by add and edit; --from reads a whole template from a YAML or JSON file. */
function withFields<A extends unknown[], O extends OptionValues, G extends OptionValues>(
  command: Command<A, O, G>,
) {
  return command
    .option(
      '--from <file>',
      'a YAML or JSON file with the template fields (body, mode, variables, notes)',
    )
    .option('--body <text>', 'the command, with {{name}} placeholders')
    .option('--body-file <file>', 'read the body from a file')
    .addOption(
      new Option('--mode <mode>', 'read, or change (alters the device)').choices(TEMPLATE_MODES),
    )
    .option('--notes <text>', 'notes for people')
    .option('--timeout <ms>', 'command timeout in milliseconds', positiveInt('--timeout'))
    .option('--disabled', 'cannot be run')
    .option('--enabled', 'can be run');
}

interface FieldOptions {
  from?: string | undefined;
  body?: string | undefined;
  bodyFile?: string | undefined;
  mode?: (typeof TEMPLATE_MODES)[number] | undefined;
  notes?: string | undefined;
  timeout?: number | undefined;
  disabled?: true | undefined;
  enabled?: true | undefined;
}

async function fieldsOf(o: FieldOptions): Promise<Record<string, unknown>> {
  let base: Record<string, unknown> = {};
  if (o.from) {
    const text = await readFile(o.from, 'utf8');
    let data: unknown;
    try {
      data = parseYaml(text);
    } catch (error) {
      const first = (error instanceof Error ? error.message : String(error)).split('\n')[0];
      throw new UsageError(`${o.from} is not valid YAML or JSON: ${first ?? ''}`);
    }
    if (data === null || typeof data !== 'object' || Array.isArray(data)) {
      throw new UsageError(`${o.from} must hold the template's fields (body, mode, variables…)`);
    }
    base = data as Record<string, unknown>;
  }
  if (o.body !== undefined && o.bodyFile !== undefined)
    throw new UsageError('give --body or --body-file, not both');
  if (o.disabled && o.enabled) throw new UsageError('give --enabled or --disabled, not both');
  return {
    ...base,
    ...(o.body !== undefined && { body: o.body }),
    ...(o.bodyFile !== undefined && { body: await readFile(o.bodyFile, 'utf8') }),
    ...(o.mode !== undefined && { mode: o.mode }),
    ...(o.notes !== undefined && { notes: o.notes === '' ? null : o.notes }),
    ...(o.timeout !== undefined && { commandTimeoutMs: o.timeout }),
    ...(o.disabled && { enabled: false }),
    ...(o.enabled && { enabled: true }),
  };
}

function variablesText(t: Template): string {
  return Object.entries(t.variables)
    .map(([name, v]) => `${name}:${v.type}${v.required ? '' : '?'}`)
    .join(' ');
}

export function templatesCommand(ctx: () => Context): CommandUnknownOpts {
  const templates = new Command('templates').description('command templates with {{variables}}');

  templates
    .command('list')
    .description('list templates')
    .option('--q <text>', 'text in the name or body')
    .addOption(new Option('--mode <mode>', 'read or change templates only').choices(TEMPLATE_MODES))
    .action(async (o) => {
      const c = ctx();
      const api = await c.client();
      const list = await api.templates.list.query({
        ...(o.q && { q: o.q }),
        ...(o.mode && { mode: o.mode }),
      });
      c.out.emit(list, (items) => {
        c.out.table(
          ['ID', 'NAME', 'MODE', 'ENABLED', 'VARIABLES'],
          items.map((t) => [
            t.id,
            t.name,
            t.mode === 'change' ? c.out.out.yellow('change') : 'read',
            t.enabled ? 'yes' : 'no',
            variablesText(t),
          ]),
        );
      });
    });

  templates
    .command('show')
    .description('one template, with its body and variables')
    .argument('<template>', 'name or id')
    .action(async (ref) => {
      const c = ctx();
      const api = await c.client();
      const t = await resolveTemplate(api, ref);
      c.out.emit(t, () => {
        c.out.record([
          ['id', t.id],
          ['name', t.name],
          ['mode', t.mode === 'change' ? c.out.out.yellow('change: it alters the device') : 'read'],
          ['enabled', t.enabled ? 'yes' : 'no'],
          ['timeout', t.commandTimeoutMs === null ? null : `${t.commandTimeoutMs} ms`],
          ['notes', t.notes],
          ['updated', when(t.updatedAt)],
        ]);
        const vars = Object.entries(t.variables);
        if (vars.length > 0) {
          c.out.write('\n');
          c.out.table(
            ['VARIABLE', 'TYPE', 'REQUIRED', 'DEFAULT', 'DESCRIPTION'],
            vars.map(([name, v]) => [
              name,
              v.type === 'enum' && v.choices ? `enum(${v.choices.join('|')})` : v.type,
              v.required ? 'yes' : 'no',
              v.default === undefined ? undefined : String(v.default),
              v.description,
            ]),
          );
        }
        c.out.write(`\n${t.body}${t.body.endsWith('\n') ? '' : '\n'}`);
      });
    });

  withFields(
    templates.command('add').description('add a template').argument('<name>', 'the template name'),
  ).action(async (name, o) => {
    const c = ctx();
    const input = { ...(await fieldsOf(o)), name };
    const parsed = TemplateCreate.safeParse(input);
    if (!parsed.success)
      throw new UsageError(`cannot add template ${name}: ${fieldProblems(parsed.error)}`);
    const api = await c.client();
    const t = await api.templates.create.mutate(parsed.data);
    c.out.emit(t, () => {
      c.out.success(`added template ${t.name} (id ${t.id}, ${t.mode})`);
    });
  });

  withFields(
    templates
      .command('edit')
      .description('change a template: only the fields given')
      .argument('<template>', 'name or id'),
  )
    .option('--name <name>', 'a new name')
    .action(async (ref, o) => {
      const c = ctx();
      const api = await c.client();
      const current = await resolveTemplate(api, ref);
      const { name: _fileName, ...fields } = await fieldsOf(o);
      const patch = { ...fields, ...(o.name !== undefined && { name: o.name }) };
      if (Object.keys(patch).length === 0)
        throw new UsageError('nothing to change: give --body, --mode, --from or another field');
      const parsed = TemplatePatch.safeParse(patch);
      if (!parsed.success)
        throw new UsageError(`cannot edit template ${ref}: ${fieldProblems(parsed.error)}`);
      const t = await api.templates.update.mutate({ id: current.id, patch: parsed.data });
      c.out.emit(t, () => {
        c.out.success(`updated template ${t.name} (id ${t.id})`);
      });
    });

  templates
    .command('rm')
    .description('remove templates (runs made from them stay)')
    .argument('<templates...>', 'names or ids')
    .option('-y, --yes', 'do not ask')
    .action(async (refs, o) => {
      const c = ctx();
      const api = await c.client();
      const found = [];
      for (const ref of refs) found.push(await resolveTemplate(api, ref));
      if (!o.yes && process.stdin.isTTY && process.stderr.isTTY) {
        const ok = await confirm(
          { message: `Remove template ${found.map((t) => t.name).join(', ')}?`, default: false },
          { output: process.stderr },
        );
        if (!ok) throw new CliError('nothing removed');
      }
      const removed = [];
      for (const t of found) removed.push(await api.templates.delete.mutate({ id: t.id }));
      c.out.emit(removed, (list) => {
        for (const t of list) c.out.success(`removed template ${t.name} (id ${t.id})`);
      });
    });

  templates
    .command('render')
    .description(
      'show the command a template makes with these variables, without running it; values are written for the platform (quoted for a linux shell)',
    )
    .argument('<template>', 'name or id')
    .option('--var <key=value>', 'a variable (repeatable)', collectPairs('--var'))
    .addOption(
      new Option('--platform <platform>', 'write it for this platform (default: generic)')
        .choices(PLATFORMS)
        .conflicts('device'),
    )
    .option('--device <device>', "write it for this device's platform (id or hostname[@site])")
    .action(async (ref, o) => {
      const c = ctx();
      const api = await c.client();
      const t = await resolveTemplate(api, ref);
      const device = o.device === undefined ? undefined : await resolveDevice(api, o.device);
      const rendered = await api.templates.render.query({
        templateId: t.id,
        variables: Object.fromEntries(o.var ?? []),
        ...(o.platform && { platform: o.platform }),
        ...(device && { deviceId: device.id }),
      });
      c.out.emit(rendered, (r) => {
        if (r.mode === 'change') c.out.warn(`${t.name} is a change template: it alters the device`);
        c.out.info(`written for ${r.platform} devices`);
        c.out.write(`${r.command}${r.command.endsWith('\n') ? '' : '\n'}`);
      });
    });

  return templates;
}
