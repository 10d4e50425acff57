import { error, fail, redirect } from '@sveltejs/kit';
import { canOperate } from '$lib/fields';
import { errorPage, formFailure, idParam, textField, valuesOf } from '$lib/server/forms';
import { loadRunHistory } from '$lib/server/run-history';
import type { Actions, PageServerLoad } from './$types';

function deviceId(raw: string): number {
  const id = idParam(raw);
  if (id === undefined) error(404, 'No such device');
  return id;
}

export const load = (async ({ locals, params, url }) => {
  const id = deviceId(params.id);
  const api = locals.api;
  const me = locals.identity?.user;
  const operator = canOperate(me);
  const device = await api.devices.byId({ id }).catch(errorPage);
  const runParam = idParam(url.searchParams.get('run') ?? '');
  const templateParam = idParam(url.searchParams.get('template') ?? '');
  const [history, templates, groups, run] = await Promise.all([
    loadRunHistory(api, url, me, { deviceId: id }),
    operator ? api.templates.list({ enabled: true }) : Promise.resolve([]),
    operator ? api.groups.list({}) : Promise.resolve([]),
    runParam ? api.runs.byId({ id: runParam }).catch(() => null) : Promise.resolve(null),
  ]);
  // The run asked for, shown live (its output streams in the browser).
  const shownRun = run && run.deviceId === id ? run : null;
  const memberOf = new Set(device.groups.map((g) => g.groupId));
  return {
    device,
    history,
    run: shownRun,
    templates: templates.map((t) => ({ id: t.id, name: t.name, mode: t.mode })),
    template: templates.find((t) => t.id === templateParam) ?? null,
    joinable: groups.filter((g) => !memberOf.has(g.id)).map((g) => ({ id: g.id, name: g.name })),
    notice: url.searchParams.has('created')
      ? 'Device added.'
      : url.searchParams.has('saved')
        ? 'Changes saved.'
        : url.searchParams.has('joined')
          ? 'Added to the group.'
          : null,
  };
}) satisfies PageServerLoad;

export const actions = {
  run: async ({ request, locals, params }) => {
    const id = deviceId(params.id);
    const form = await request.formData();
    const templateId = idParam(textField(form, 'templateId') ?? '');
    let runId: number;
    try {
      if (templateId !== undefined) {
        const variables: Record<string, string> = {};
        for (const [key, value] of form) {
          if (key.startsWith('var.') && typeof value === 'string' && value !== '') {
            variables[key.slice(4)] = value;
          }
        }
        runId = (await locals.api.runs.create({ deviceId: id, templateId, variables })).id;
      } else {
        const command = textField(form, 'command') ?? '';
        runId = (await locals.api.runs.create({ deviceId: id, command })).id;
      }
    } catch (e) {
      return formFailure(e, {
        action: 'run' as const,
        values: valuesOf(form),
      });
    }
    redirect(
      303,
      `/devices/${id}?run=${runId}${templateId !== undefined ? `&template=${templateId}` : ''}`,
    );
  },
  join: async ({ request, locals, params }) => {
    const id = deviceId(params.id);
    const form = await request.formData();
    const groupId = idParam(textField(form, 'groupId') ?? '');
    const role = textField(form, 'role') === 'primary' ? 'primary' : 'member';
    if (groupId === undefined) {
      return fail(400, {
        action: 'join' as const,
        values: valuesOf(form),
        errors: { groupId: ['choose a group'] },
        message: undefined,
      });
    }
    try {
      await locals.api.groups.members.add({ groupId, deviceId: id, role });
    } catch (e) {
      return formFailure(e, {
        action: 'join' as const,
        values: valuesOf(form),
      });
    }
    redirect(303, `/devices/${id}?joined=1`);
  },
} satisfies Actions;
