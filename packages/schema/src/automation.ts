import { z } from 'zod';
import {
  Cursor,
  Id,
  Limit,
  Timestamp,
  badCharacterMessage,
  findBadCharacter,
  line,
  searchText,
  text,
  textCheck,
} from './common.js';
import { Device } from './inventory.js';
import { RunErrorReason, RunStatus, TemplateMode, VariableType } from './enums.js';
import { compilePattern, MAX_TEMPLATE_PATTERN_COST } from './pattern.js';

/** The `{{ name }}` placeholders of a template body. */
export const PLACEHOLDER = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;

export function placeholdersOf(body: string): string[] {
  return [...new Set([...body.matchAll(PLACEHOLDER)].map((m) => m[1] as string))];
}

export const VariableName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, 'variable names use letters, digits and _, up to 64');

const VariableValue = z.union([
  z.string().max(1024).superRefine(textCheck('default')),
  z.number(),
  z.boolean(),
]);

export const TemplateVariable = z.strictObject({
  type: VariableType.default('string'),
  required: z.boolean().default(true),
  default: VariableValue.optional(),
  /**
   * A regular expression the whole value must match (string-like types), in RE2 syntax:
   * matched in linear time, so no back-references and no look-arounds.
   */
  pattern: z
    .string()
    .max(512)
    .superRefine(textCheck('pattern'))
    .superRefine((p, ctx) => {
      const compiled = compilePattern(p);
      if (!compiled.ok) ctx.addIssue({ code: 'custom', message: compiled.message });
    })
    .optional(),
  /** The allowed values of an `enum` variable. */
  choices: z
    .array(z.string().min(1).max(256).superRefine(textCheck('choice')))
    .min(1)
    .max(256)
    .optional(),
  /**
   * Inserted exactly as given: not quoted for a shell, and allowed the characters that
   * have a meaning on a device's command line (pipes, separators, redirections). Only
   * for variables whose values are meant as command syntax.
   */
  raw: z.boolean().optional(),
  description: text(500, 'description').optional(),
});
export type TemplateVariable = z.output<typeof TemplateVariable>;

/**
 * A variable as stored: read back as it is, without the checks of the day (a pattern
 * saved before them is refused when the template is rendered or changed, not when shown).
 */
export const StoredTemplateVariable = z.object({
  type: VariableType.default('string'),
  required: z.boolean().default(true),
  default: z.union([z.string(), z.number(), z.boolean()]).optional(),
  pattern: z.string().optional(),
  choices: z.array(z.string()).optional(),
  raw: z.boolean().optional(),
  description: z.string().optional(),
});

export const TemplateVariables = z
  .record(VariableName, TemplateVariable)
  .refine((v) => Object.keys(v).length <= 64, 'at most 64 variables')
  .superRefine((variables, ctx) => {
    let cost = 0;
    for (const spec of Object.values(variables)) {
      const compiled = spec.pattern === undefined ? undefined : compilePattern(spec.pattern);
      if (compiled?.ok) cost += compiled.cost;
    }
    if (cost > MAX_TEMPLATE_PATTERN_COST) {
      ctx.addIssue({
        code: 'custom',
        message: "the variables' patterns are too complex together; simplify them",
      });
    }
  })
  .refine((v) => JSON.stringify(v).length <= 65_536, 'variables must be at most 64 KiB as JSON');

export const TemplateName = z
  .string()
  .superRefine(textCheck('template name'))
  .trim()
  .min(1, 'template name must not be empty')
  .max(100, 'template name must be at most 100 characters')
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9 _.:/-]*$/,
    'template name may use letters, digits, spaces and _ . : / - and must start with a letter or digit',
  );

/**
 * What is sent to a device: lines of text. A carriage return, an escape sequence, a tab
 * (completion on a network CLI) or any other control character would make the device do
 * something else than what was shown and audited; a blank one is refused too.
 */
function commandText(what: string) {
  return z
    .string()
    .min(1, `${what} must not be empty`)
    .max(65_536, `${what} must be at most 64 KiB`)
    .superRefine((s, ctx) => {
      const bad = findBadCharacter(s, '\n');
      if (bad) ctx.addIssue({ code: 'custom', message: badCharacterMessage(what, bad) });
      else if (s.length > 0 && !/\S/.test(s)) {
        ctx.addIssue({ code: 'custom', message: `${what} must not be blank` });
      }
    });
}

export const TemplateBody = commandText('body');

/** A command timeout in milliseconds: from 1 second to 1 hour. */
export const CommandTimeoutMs = z.number().int().min(1000).max(3_600_000);

export const Template = z.object({
  id: Id,
  name: z.string(),
  body: z.string(),
  mode: TemplateMode,
  variables: z.record(z.string(), StoredTemplateVariable),
  enabled: z.boolean(),
  notes: z.string().nullable(),
  commandTimeoutMs: z.number().int().nullable(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type Template = z.infer<typeof Template>;

function checkPlaceholders(
  t: { body?: string | undefined; variables?: Record<string, unknown> | undefined },
  ctx: z.core.$RefinementCtx,
) {
  if (t.body === undefined || t.variables === undefined) return;
  for (const name of placeholdersOf(t.body)) {
    if (!(name in t.variables)) {
      ctx.addIssue({
        code: 'custom',
        path: ['body'],
        message: `placeholder {{${name}}} is not a declared variable`,
      });
    }
  }
}

export const TemplateCreate = z
  .strictObject({
    name: TemplateName,
    body: TemplateBody,
    mode: TemplateMode.default('read'),
    variables: TemplateVariables.default({}),
    enabled: z.boolean().default(true),
    notes: text(4000, 'notes').nullish(),
    commandTimeoutMs: CommandTimeoutMs.nullish(),
  })
  .superRefine(checkPlaceholders);
export type TemplateCreate = z.input<typeof TemplateCreate>;

export const TemplatePatch = z.strictObject({
  name: TemplateName.optional(),
  body: TemplateBody.optional(),
  mode: TemplateMode.optional(),
  variables: TemplateVariables.optional(),
  enabled: z.boolean().optional(),
  notes: text(4000, 'notes').nullable().optional(),
  commandTimeoutMs: CommandTimeoutMs.nullable().optional(),
});
export type TemplatePatch = z.input<typeof TemplatePatch>;

export const TemplateListInput = z.strictObject({
  q: searchText(200).optional(),
  mode: TemplateMode.optional(),
  enabled: z.boolean().optional(),
});
export type TemplateListInput = z.input<typeof TemplateListInput>;

// Runs

export const Command = commandText('command');

export const Run = z.object({
  id: Id,
  deviceId: Id,
  templateId: Id.nullable(),
  bulkId: Id.nullable(),
  command: z.string(),
  mode: TemplateMode,
  status: RunStatus,
  errorReason: RunErrorReason.nullable(),
  errorMessage: z.string().nullable(),
  bytes: z.number().int().nonnegative(),
  /** How many output chunks are stored (seq runs from 0 to chunkCount - 1). */
  chunkCount: z.number().int().nonnegative(),
  exitCode: z.number().int().nullable(),
  /** 1, or 2 when its first worker died before any output and it was tried again. */
  attempt: z.number().int().min(1),
  requestedBy: Id.nullable(),
  requestedByEmail: z.string().nullable(),
  requestedAt: Timestamp,
  startedAt: Timestamp.nullable(),
  finishedAt: Timestamp.nullable(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type Run = z.infer<typeof Run>;

export const RunDetail = Run.extend({
  device: z.lazy(() => Device).optional(),
  template: Template.nullable().optional(),
});
export type RunDetail = z.infer<typeof RunDetail>;

export const RunCreateRecord = z.strictObject({
  deviceId: Id,
  templateId: Id.nullish(),
  bulkId: Id.nullish(),
  command: Command,
  mode: TemplateMode.default('read'),
  requestedBy: Id.nullish(),
  requestedByEmail: line(254, 'e-mail').nullish(),
});
export type RunCreateRecord = z.input<typeof RunCreateRecord>;

export const RunListInput = z.strictObject({
  deviceId: Id.optional(),
  bulkId: Id.optional(),
  status: z.array(RunStatus).max(4).optional(),
  requestedBy: Id.optional(),
  /** Runs requested at or after this time. */
  from: Timestamp.optional(),
  /** Runs requested before this time. */
  to: Timestamp.optional(),
  /** Text inside the command. */
  q: searchText(200).optional(),
  cursor: Cursor.optional(),
  limit: z.number().int().min(1).max(100).default(25),
});
export type RunListInput = z.input<typeof RunListInput>;

export const RunChunk = z.object({
  runId: Id,
  seq: z.number().int().nonnegative(),
  data: z.string(),
  createdAt: Timestamp,
});
export type RunChunk = z.infer<typeof RunChunk>;

export const ChunkRange = z.strictObject({
  runId: Id,
  /** Chunks with seq greater than this; omit to start at seq 0. */
  afterSeq: z.number().int().min(-1).optional(),
  limit: z.number().int().min(1).max(1000).default(100),
});
export type ChunkRange = z.input<typeof ChunkRange>;

/** Output stored per chunk is at most 64 KiB. */
export const MAX_CHUNK_BYTES = 64 * 1024;

export { Limit };

/** Follow a run's output from after `afterSeq` (or from the start). */
export const RunOutputInput = z.strictObject({
  runId: Id,
  afterSeq: z.number().int().min(-1).optional(),
  /** Set by the client when it reconnects: the id of the last event it got. */
  lastEventId: z.string().max(32).nullish(),
});
export type RunOutputInput = z.input<typeof RunOutputInput>;

/** What a follower gets: each chunk once, in order, then the run as it ended. */
export const RunOutputEvent = z.discriminatedUnion('type', [
  z.object({ type: z.literal('chunk'), seq: z.number().int().nonnegative(), data: z.string() }),
  z.object({ type: z.literal('end'), run: Run }),
]);
export type RunOutputEvent = z.infer<typeof RunOutputEvent>;
