import { PLATFORMS, type BulkTarget, type DeviceListInput } from '@netauto/schema';
import { error, fail, redirect } from '@sveltejs/kit';
import { canOperate } from '$lib/fields';
import { idParam, problemOf, textField, valuesOf } from '$lib/server/forms';
import type { Api } from '$lib/server/api';
import type { Actions, PageServerLoad } from './$types';

export const load = (async ({ locals, url }) => {
  if (!canOperate(locals.identity?.user)) error(403, 'Bulk runs need the operator role.');
  const [groups, templates] = await Promise.all([
    locals.api.groups.list({}),
    locals.api.templates.list({ enabled: true }),
  ]);
  return {
    groups: groups.map((g) => ({ id: g.id, name: g.name, members: g.memberCount })),
    templates: templates.map((t) => ({ id: t.id, name: t.name, mode: t.mode, body: t.body })),
    platforms: PLATFORMS,
    group: url.searchParams.get('group') ?? '',
  };
}) satisfies PageServerLoad;

type Filter = Omit<DeviceListInput, 'sort' | 'dir' | 'cursor' | 'limit'>;

/** The target the form names, and the device filter that counts it. */
function targetOf(
  form: FormData,
): { target: BulkTarget; filter: Filter } | { errors: Record<string, string[]> } {
  if (textField(form, 'targetType') === 'filter') {
    const platform = textField(form, 'platform');
    const tag = textField(form, 'tag');
    const filter: Filter = {
      ...(textField(form, 'q') && { q: textField(form, 'q') }),
      ...(textField(form, 'site') && { site: textField(form, 'site') }),
      ...(platform && { platform: platform as Filter['platform'] }),
      ...(textField(form, 'vendor') && { vendor: textField(form, 'vendor') }),
      ...(tag && { tags: [tag] }),
    };
    if (Object.keys(filter).length === 0) {
      return { errors: { filter: ['name at least one of site, platform, vendor, tag or text'] } };
    }
    return { target: { type: 'filter', filter }, filter };
  }
  const groupId = idParam(textField(form, 'groupId') ?? '');
  if (groupId === undefined) return { errors: { groupId: ['choose a group'] } };
  return { target: { type: 'group', groupId }, filter: { groupId } };
}

/** name=value lines. */
function variablesOf(text: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of (text ?? '').split('\n')) {
    const item = line.trim();
    if (!item) continue;
    const eq = item.indexOf('=');
    if (eq === -1) out[item] = '';
    else out[item.slice(0, eq).trim()] = item.slice(eq + 1).trim();
  }
  return out;
}

function whatOf(form: FormData) {
  const templateId =
    textField(form, 'what') === 'template'
      ? idParam(textField(form, 'templateId') ?? '')
      : undefined;
  return templateId !== undefined
    ? { templateId, variables: variablesOf(textField(form, 'variables')) }
    : { command: textField(form, 'command') ?? '' };
}

interface Preview {
  count: number;
  mode: 'read' | 'change';
  what: string;
}

async function previewOf(
  api: Api,
  form: FormData,
): Promise<Preview | { errors: Record<string, string[]> }> {
  const t = targetOf(form);
  if ('errors' in t) return t;
  const what = whatOf(form);
  let mode: Preview['mode'] = 'read';
  let text = what.command ?? '';
  if (what.templateId !== undefined) {
    const template = await api.templates.byId({ id: what.templateId });
    mode = template.mode;
    text = `template ${template.name}`;
  } else if (!text) {
    return { errors: { command: ['type a command or choose a template'] } };
  }
  const { count } = await api.devices.count(t.filter);
  return { count, mode, what: text };
}

function failed(form: FormData, e: unknown) {
  const problem = problemOf(e);
  const errors = { ...problem.fieldErrors };
  // Field paths of the bulk's input, put beside the form's fields.
  for (const [key, messages] of Object.entries(problem.fieldErrors)) {
    const short = key.replace(/^target\.(filter\.)?/, '');
    if (short !== key) errors[short === 'groupId' ? 'groupId' : 'filter'] = messages;
  }
  return refused(problem.status, form, { errors, message: problem.message });
}

/** The form back with its values, and what to show beside it. */
function refused(
  status: number,
  form: FormData,
  {
    errors = {},
    message,
    preview = null,
  }: { errors?: Record<string, string[]>; message?: string; preview?: Preview | null },
) {
  return fail(status, { values: valuesOf(form), errors, message, preview });
}

export const actions = {
  preview: async ({ request, locals }) => {
    const form = await request.formData();
    try {
      const preview = await previewOf(locals.api, form);
      if ('errors' in preview) {
        return refused(400, form, { errors: preview.errors });
      }
      return { values: valuesOf(form), errors: {}, message: undefined, preview };
    } catch (e) {
      return failed(form, e);
    }
  },
  start: async ({ request, locals }) => {
    const form = await request.formData();
    let bulkId: number;
    try {
      const preview = await previewOf(locals.api, form);
      if ('errors' in preview) {
        return refused(400, form, { errors: preview.errors });
      }
      if (preview.count === 0) {
        return refused(400, form, { message: 'No device matches this target.', preview });
      }
      // What was confirmed is what runs: a target that now matches other devices is shown again.
      if (textField(form, 'previewCount') !== String(preview.count)) {
        return refused(409, form, {
          message: `The target now matches ${preview.count} devices: check the preview again.`,
          preview,
        });
      }
      if (preview.mode === 'change' && form.get('confirm') !== 'yes') {
        return refused(400, form, {
          errors: { confirm: ['confirm that this changes the configuration of these devices'] },
          preview,
        });
      }
      const t = targetOf(form);
      if ('errors' in t) throw new Error('unreachable: the target was checked');
      const bulk = await locals.api.bulks.create({ target: t.target, ...whatOf(form) });
      bulkId = bulk.id;
    } catch (e) {
      return failed(form, e);
    }
    redirect(303, `/bulks/${bulkId}?started=1`);
  },
} satisfies Actions;
