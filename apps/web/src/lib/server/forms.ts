import { error, fail } from '@sveltejs/kit';
import { TRPCError } from '@trpc/server';
import { getHTTPStatusCodeFromError } from '@trpc/server/http';

/** What a failed call means to a form: a message, and messages per field. */
export interface Problem {
  status: number;
  message: string;
  fieldErrors: Record<string, string[]>;
}

interface Issue {
  path: PropertyKey[];
  message: string;
}

function isIssueList(value: unknown): value is { issues: Issue[] } {
  return (
    typeof value === 'object' &&
    value !== null &&
    Array.isArray((value as { issues?: unknown }).issues)
  );
}

/**
 * Turns an API error into what a form shows. Field paths lose `prefix` (`patch.` for an
 * update), so that `patch.ip` lands beside the `ip` field.
 */
export function problemOf(error: unknown, prefix = ''): Problem {
  if (!(error instanceof TRPCError)) throw error;
  const status = getHTTPStatusCodeFromError(error);
  const fieldErrors: Record<string, string[]> = {};
  const add = (path: string, message: string) => {
    const key = prefix && path.startsWith(prefix) ? path.slice(prefix.length) : path;
    (fieldErrors[key || 'input'] ??= []).push(message);
  };
  const cause: unknown = error.cause;
  if (isIssueList(cause)) {
    for (const issue of cause.issues) add(issue.path.map(String).join('.'), issue.message);
  } else if (cause && typeof cause === 'object' && 'fieldErrors' in cause) {
    for (const [path, messages] of Object.entries(
      (cause as { fieldErrors: Record<string, string[]> }).fieldErrors,
    )) {
      for (const m of messages) add(path, m);
    }
  } else if (cause && typeof cause === 'object' && 'fields' in cause) {
    // A conflict names the fields that clash with another row.
    for (const field of (cause as { fields: string[] }).fields) add(field, error.message);
  }
  const count = Object.keys(fieldErrors).length;
  const message =
    error.code === 'INTERNAL_SERVER_ERROR'
      ? 'Something went wrong on the server; try again.'
      : count > 0 && error.code === 'BAD_REQUEST'
        ? `Please correct the ${count === 1 ? 'field' : `${count} fields`} marked below.`
        : error.message;
  return { status: status >= 500 ? 500 : status, message, fieldErrors };
}

/** A failed call where a page loads: the error page, with the problem's status and message. */
export function errorPage(e: unknown): never {
  const problem = problemOf(e);
  error(problem.status, problem.message);
}

/**
 * A failed call as a form's answer: `data` (the values typed, which form) with the problem's
 * message and field errors, field paths losing `prefix` as in `problemOf`.
 */
export function formFailure<T extends Record<string, unknown>>(
  error: unknown,
  data: T,
  prefix = '',
) {
  const problem = problemOf(error, prefix);
  return fail(problem.status, { ...data, errors: problem.fieldErrors, message: problem.message });
}

/**
 * A browser sends a textarea's line breaks as CR LF (the HTML form encoding); NetAuto's
 * text has LF only, and refuses a carriage return in a command.
 */
function lines(value: string): string {
  return value.replace(/\r\n/g, '\n');
}

/** A text field: trimmed, line breaks as LF; empty is undefined. */
export function textField(form: FormData, name: string): string | undefined {
  const value = form.get(name);
  if (typeof value !== 'string') return undefined;
  const trimmed = lines(value).trim();
  return trimmed === '' ? undefined : trimmed;
}

/** A field's text as sent, line breaks as LF (a file field reads as empty). */
export function stringField(form: FormData, name: string): string {
  const value = form.get(name);
  return typeof value === 'string' ? lines(value) : '';
}

/** Every string field of a form, as typed, to give back to a form that failed. */
export function valuesOf(form: FormData): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of form) if (typeof value === 'string') out[key] = value;
  return out;
}

/** A number field: a whole number when it is one, else the text (the schema says why). */
export function numberField(form: FormData, name: string): number | string | undefined {
  const text = textField(form, name);
  if (text === undefined) return undefined;
  return /^-?\d+$/.test(text) ? Number(text) : text;
}

/** `key=value` pairs, one a line or separated by `;` or `,`. */
export function parseTags(text: string | undefined): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const part of (text ?? '').split(/[\n;,]/)) {
    const item = part.trim();
    if (!item) continue;
    const eq = item.indexOf('=');
    const key = (eq === -1 ? item : item.slice(0, eq)).trim();
    tags[key] = eq === -1 ? '' : item.slice(eq + 1).trim();
  }
  return tags;
}

export function formatTags(tags: Record<string, string>): string {
  return Object.entries(tags)
    .map(([k, v]) => (v === '' ? k : `${k}=${v}`))
    .join('\n');
}

/** An id from a route parameter; anything else is a 404. */
export function idParam(value: string): number | undefined {
  return /^\d{1,10}$/.test(value) && Number(value) > 0 && Number(value) <= 2_147_483_647
    ? Number(value)
    : undefined;
}
