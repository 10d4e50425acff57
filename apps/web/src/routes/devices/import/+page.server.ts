import { fail, redirect } from '@sveltejs/kit';
import { problemOf, stringField, textField } from '$lib/server/forms';
import {
  IMPORT_FORMATS,
  ImportFileError,
  previewImport,
  type ImportFormat,
} from '$lib/server/import';
import type { Actions } from './$types';

/** Rows listed in a preview at most (every row with an error comes first). */
const SHOWN_ROWS = 500;

export const actions = {
  preview: async ({ request }) => {
    const form = await request.formData();
    const file = form.get('file');
    const pasted = textField(form, 'text');
    const formatField = textField(form, 'format');
    const format = (IMPORT_FORMATS as readonly string[]).includes(formatField ?? '')
      ? (formatField as ImportFormat)
      : undefined;
    let text = pasted;
    let name: string | undefined;
    if (file instanceof File && file.size > 0) {
      text = await file.text();
      name = file.name;
    }
    if (!text) {
      return fail(400, {
        errors: { file: ['choose a file, or paste its contents below'] },
      });
    }
    try {
      const preview = previewImport(text, name, format);
      const rows = [
        ...preview.rows.filter((r) => r.errors.length > 0),
        ...preview.rows.filter((r) => r.errors.length === 0),
      ];
      return {
        preview: {
          name: name ?? 'pasted text',
          format: preview.format,
          valid: preview.valid,
          invalid: preview.invalid,
          total: preview.rows.length,
          rows: rows.slice(0, SHOWN_ROWS).map(({ device: _device, ...shown }) => shown),
          devices: JSON.stringify(preview.rows.flatMap((r) => (r.device ? [r.device] : []))),
        },
      };
    } catch (error) {
      if (!(error instanceof ImportFileError)) throw error;
      return fail(400, { errors: { file: [error.message] } });
    }
  },
  apply: async ({ request, locals }) => {
    const form = await request.formData();
    let devices: unknown[];
    try {
      devices = JSON.parse(stringField(form, 'devices') || '[]') as unknown[];
    } catch {
      return fail(400, { message: 'The preview was damaged; upload the file again.' });
    }
    if (!Array.isArray(devices) || devices.length === 0) {
      return fail(400, { message: 'There is no valid row to import.' });
    }
    let result: { created: number; updated: number };
    try {
      result = await locals.api.devices.import({ devices });
    } catch (e) {
      const problem = problemOf(e);
      return fail(problem.status, { message: problem.message });
    }
    redirect(303, `/devices/import?created=${result.created}&updated=${result.updated}`);
  },
} satisfies Actions;
