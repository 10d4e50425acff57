import { z } from 'zod';
import { Cursor, Id, Timestamp } from './common.js';
import { Command } from './automation.js';
import { Platform, RunErrorReason, RunStatus, TemplateMode } from './enums.js';
import { DeviceListInput } from './inventory.js';
import { Variables } from './render.js';

/** At most this many devices in one bulk. */
export const MAX_BULK_DEVICES = 50_000;

/** The device filters a bulk may target (those of the device list, without paging). */
export const BulkDeviceFilter = DeviceListInput.pick({
  q: true,
  site: true,
  platform: true,
  vendor: true,
  protocol: true,
  tags: true,
  groupId: true,
  cidr: true,
}).refine(
  (f) =>
    Object.values(f as Record<string, unknown>).some(
      (v) => v !== undefined && !(Array.isArray(v) && v.length === 0),
    ),
  'a filter must name at least one of q, site, platform, vendor, protocol, tags, groupId, cidr',
);
export type BulkDeviceFilter = z.input<typeof BulkDeviceFilter>;

/** Which devices a bulk runs on: a group, a list of devices, or a filter. */
export const BulkTarget = z.discriminatedUnion(
  'type',
  [
    z.strictObject({ type: z.literal('group'), groupId: Id }),
    z.strictObject({
      type: z.literal('devices'),
      deviceIds: z
        .array(Id)
        .min(1, 'name at least one device')
        .max(MAX_BULK_DEVICES, `at most ${MAX_BULK_DEVICES} devices`),
    }),
    z.strictObject({ type: z.literal('filter'), filter: BulkDeviceFilter }),
  ],
  { error: 'target.type must be group, devices or filter' },
);
export type BulkTarget = z.input<typeof BulkTarget>;
export type BulkTargetParsed = z.output<typeof BulkTarget>;

/** A command, or a template with its variables, on every device of a target. */
export const BulkCreateInput = z
  .strictObject({
    target: BulkTarget,
    command: Command.optional(),
    templateId: Id.optional(),
    variables: Variables.optional(),
  })
  .superRefine((b, ctx) => {
    if ((b.command === undefined) === (b.templateId === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: ['command'],
        message: 'give either a command or a templateId',
      });
    }
    if (b.variables !== undefined && b.templateId === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['variables'],
        message: 'variables go with a templateId',
      });
    }
  });
export type BulkCreateInput = z.input<typeof BulkCreateInput>;

/** How many devices' latest runs are in each status. */
export const BulkCounts = z.object({
  pending: z.number().int().nonnegative(),
  running: z.number().int().nonnegative(),
  ok: z.number().int().nonnegative(),
  error: z.number().int().nonnegative(),
});
export type BulkCounts = z.infer<typeof BulkCounts>;

export const Bulk = z.object({
  id: Id,
  requestedBy: Id.nullable(),
  requestedByEmail: z.string().nullable(),
  templateId: Id.nullable(),
  command: z.string().nullable(),
  mode: TemplateMode,
  /** The target as it was asked for. */
  target: z.record(z.string(), z.unknown()),
  /** Devices in the bulk (one run each, plus retries). */
  total: z.number().int().nonnegative(),
  /** By the latest run of each device. */
  counts: BulkCounts,
  /** No run of it is pending or running. */
  done: z.boolean(),
  canceledAt: Timestamp.nullable(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type Bulk = z.infer<typeof Bulk>;

export const BulkListInput = z.strictObject({
  requestedBy: Id.optional(),
  cursor: Cursor.optional(),
  limit: z.number().int().min(1).max(100).default(25),
});
export type BulkListInput = z.input<typeof BulkListInput>;

export const BulkSummaryInput = z.strictObject({
  id: Id,
  /** Devices listed per output group (the count is always whole). */
  devicesPerGroup: z.number().int().min(1).max(1000).default(100),
  /** Output groups listed, the largest first. */
  groups: z.number().int().min(1).max(1000).default(50),
});
export type BulkSummaryInput = z.input<typeof BulkSummaryInput>;

export const BulkDeviceRun = z.object({
  deviceId: Id,
  hostname: z.string(),
  runId: Id,
  status: RunStatus,
  errorReason: RunErrorReason.nullable(),
});
export type BulkDeviceRun = z.infer<typeof BulkDeviceRun>;

/** Devices whose whole output is byte for byte the same. */
export const BulkOutputGroup = z.object({
  /** A failed run's output is never grouped with a good one's. */
  status: z.enum(['ok', 'error']),
  /** SHA-256 of the whole output, as hex. */
  hash: z.string(),
  count: z.number().int().positive(),
  bytes: z.number().int().nonnegative(),
  /** The start of the output (up to 500 characters), to tell groups apart at a glance. */
  preview: z.string(),
  devices: z.array(BulkDeviceRun),
});
export type BulkOutputGroup = z.infer<typeof BulkOutputGroup>;

export const BulkSummary = z.object({
  bulk: Bulk,
  /** Failed devices by reason. */
  reasons: z.array(z.object({ reason: RunErrorReason, count: z.number().int().positive() })),
  /** Finished devices grouped by identical output, the largest group first. */
  outputs: z.array(BulkOutputGroup),
  /** How many output groups there are in all (more than `outputs` lists when cut). */
  outputGroupCount: z.number().int().nonnegative(),
});
export type BulkSummary = z.infer<typeof BulkSummary>;

export const BulkRetryInput = z.strictObject({
  id: Id,
  /** Retry devices whose run was canceled too (default: only those that failed on their own). */
  includeCanceled: z.boolean().default(false),
});
export type BulkRetryInput = z.input<typeof BulkRetryInput>;

export const BulkRetryResult = z.object({
  bulk: Bulk,
  /** The new runs, one per failed device. */
  runs: z.number().int().nonnegative(),
});
export type BulkRetryResult = z.infer<typeof BulkRetryResult>;

export const BulkCancelResult = z.object({
  bulk: Bulk,
  /** Pending runs that will never start. */
  canceledPending: z.number().int().nonnegative(),
  /** Running runs asked to stop (they end as canceled within a second). */
  stopping: z.number().int().nonnegative(),
});
export type BulkCancelResult = z.infer<typeof BulkCancelResult>;

/** Follow a bulk's progress; a reconnect sends the id of the last event it got. */
export const BulkProgressInput = z.strictObject({
  id: Id,
  lastEventId: z.string().max(64).nullish(),
});
export type BulkProgressInput = z.input<typeof BulkProgressInput>;

/**
 * Progress: each device's run as its status changes (a retry is a new run of the same
 * device), and the counts after each batch of changes; the last event has `done`.
 */
export const BulkProgressEvent = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('device'),
    runId: Id,
    deviceId: Id,
    hostname: z.string(),
    status: RunStatus,
    errorReason: RunErrorReason.nullable(),
  }),
  z.object({
    type: z.literal('counts'),
    total: z.number().int().nonnegative(),
    counts: BulkCounts,
    done: z.boolean(),
  }),
]);
export type BulkProgressEvent = z.infer<typeof BulkProgressEvent>;

/**
 * What a bulk's runs are made from, for the repository: one command for every device, or
 * a command per platform (a template's values are written differently for a shell and
 * for a network CLI), in which case every device of the target needs its platform's.
 */
export const BulkCreateRecord = z
  .strictObject({
    target: BulkTarget,
    command: Command.optional(),
    commands: z.partialRecord(Platform, Command).optional(),
    mode: TemplateMode.default('read'),
    templateId: Id.nullish(),
    requestedBy: Id.nullish(),
    requestedByEmail: z.string().max(254).nullish(),
  })
  .refine((b) => (b.command === undefined) !== (b.commands === undefined), {
    error: 'give either a command or commands by platform',
    path: ['command'],
  });
export type BulkCreateRecord = z.input<typeof BulkCreateRecord>;

// Retention

/** How long runs are kept, and how much output per device. */
export const RetentionLimits = z.object({
  maxDays: z.number().int().min(1),
  maxBytes: z.number().int().min(1),
});
export type RetentionLimits = z.infer<typeof RetentionLimits>;

export const RetentionPreview = z.object({
  limits: RetentionLimits,
  /** Runs the next purge would delete, and their output bytes. */
  runs: z.number().int().nonnegative(),
  bytes: z.number().int().nonnegative(),
  /** Of those, older than maxDays; and past maxBytes on their device (the rest). */
  byAge: z.number().int().nonnegative(),
  byBytes: z.number().int().nonnegative(),
  oldest: Timestamp.nullable(),
  /** The devices that lose the most output, the most first (up to 20). */
  devices: z.array(
    z.object({
      deviceId: Id,
      hostname: z.string(),
      runs: z.number().int().nonnegative(),
      bytes: z.number().int().nonnegative(),
    }),
  ),
});
export type RetentionPreview = z.infer<typeof RetentionPreview>;
