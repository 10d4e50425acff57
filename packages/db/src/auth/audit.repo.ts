import {
  AUDIT_ACTIONS,
  AUDIT_VISIBILITY,
  AuditListInput,
  Id,
  type AuditAction,
  type AuditEvent,
  type Page,
  type UserRole,
} from '@netauto/schema';
import { cast, col, fn, Op, where, type WhereOptions } from 'sequelize';
import { z } from 'zod';
import { AuditEvent as AuditEventModel } from '../models/index.js';
import { decodeCursor, encodeCursor, guarded, iso, parseInput, type Executor } from '../sql.js';

type AuditRow = Omit<AuditEvent, 'createdAt'> & { createdAt: Date };

function toAuditEvent(row: AuditRow): AuditEvent {
  return {
    id: row.id,
    actorId: row.actorId,
    actorEmail: row.actorEmail,
    action: row.action,
    targetType: row.targetType,
    targetId: row.targetId,
    summary: row.summary,
    createdAt: iso(row.createdAt),
  };
}

const text = (what: string, max: number) =>
  z
    .string()
    .trim()
    .min(1, `${what} must not be empty`)
    .max(max, `${what} must be at most ${max} characters`);

const AuditRecord = z.strictObject({
  /** The user who acted; null for the system itself. */
  actorId: Id.nullish(),
  /** The actor's e-mail as it was, kept when the user is gone. */
  actorEmail: z.string().max(254).nullish(),
  /** What happened, such as `devices.create`: one whose readers are decided. */
  action: z.string().pipe(
    z.enum(AUDIT_ACTIONS as [AuditAction, ...AuditAction[]], {
      error: (issue) =>
        typeof issue.input === 'string' && issue.input.trim() === ''
          ? 'action must not be empty'
          : 'not an action the audit log knows (each needs its readers decided)',
    }),
  ),
  targetType: text('target type', 64).nullish(),
  targetId: z
    .union([z.string(), z.number()])
    .transform(String)
    .pipe(text('target id', 200))
    .nullish(),
  summary: z.record(z.string(), z.unknown()).default({}),
});
/** What `AuditRepo.record` stores. */
export type AuditRecord = z.input<typeof AuditRecord>;

/** At most this many characters of the summary as JSON are kept. */
export const MAX_SUMMARY_CHARS = 16_384;

// A second line of defence: whoever records an event should have redacted it already.
const SECRET_KEY = /(password|passphrase|secret|privkey|privatekey|ciphertext|apikey|hash|token)$/;

/** A copy of a summary with every secret-looking field replaced by `[redacted]`. */
export function redactSummary(value: unknown, depth = 0): unknown {
  if (depth > 8) return '[deep]';
  if (Array.isArray(value)) return value.map((v) => redactSummary(v, depth + 1));
  if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value)) {
      const normal = key.toLowerCase().replace(/[_-]/g, '');
      out[key] = SECRET_KEY.test(normal) ? '[redacted]' : redactSummary(v, depth + 1);
    }
    return out;
  }
  return value;
}

type AuditCursor = [string, number];
const isAuditCursor = (v: unknown): v is AuditCursor =>
  Array.isArray(v) && v.length === 2 && typeof v[0] === 'string' && Number.isInteger(v[1]);

/**
 * An audit event's column values, checked, with the summary redacted and cut to size
 * as JSON: for `record`, and for statements that write their own event with a change.
 */
export function auditValues(input: AuditRecord): {
  actorId: number | null;
  actorEmail: string | null;
  action: string;
  targetType: string | null;
  targetId: string | null;
  summary: string;
} {
  const e = parseInput(AuditRecord, input);
  let summary = JSON.stringify(redactSummary(e.summary));
  if (summary.length > MAX_SUMMARY_CHARS) {
    summary = JSON.stringify({ truncated: true, head: summary.slice(0, 1000) });
  }
  return {
    actorId: e.actorId ?? null,
    actorEmail: e.actorEmail ?? null,
    action: e.action,
    targetType: e.targetType ?? null,
    targetId: e.targetId ?? null,
    summary,
  };
}

/** Who reads the audit log: what they see depends on their role and on who they are. */
export interface AuditReader {
  role: UserRole;
  userId: number;
}

const RANK: Record<UserRole, number> = { viewer: 1, operator: 2, admin: 3 };

/** The actions a role reads whoever did them, and those it reads only when it acted. */
export function auditActionsFor(role: UserRole): { anyone: AuditAction[]; own: AuditAction[] } {
  const anyone: AuditAction[] = [];
  const own: AuditAction[] = [];
  for (const action of AUDIT_ACTIONS) {
    const seenBy = AUDIT_VISIBILITY[action];
    if (seenBy === 'own') own.push(action);
    else if (RANK[role] >= RANK[seenBy]) anyone.push(action);
  }
  return { anyone, own };
}

export class AuditRepo {
  constructor(private readonly ex: Executor) {}

  private get model() {
    return this.ex.sequelize.getRepository(AuditEventModel);
  }

  /** Appends an event. Secret-looking summary fields are redacted; a huge summary is cut. */
  async record(input: AuditRecord): Promise<AuditEvent> {
    const { summary, ...e } = auditValues(input);
    const row = await guarded(
      this.model.create(
        { ...e, summary: JSON.parse(summary) as Record<string, unknown> },
        { transaction: this.ex.transaction ?? null },
      ),
    );
    return toAuditEvent(row);
  }

  /**
   * Newest first, filtered, one page at a time. With a `reader`, only the events its
   * role may read (see AUDIT_VISIBILITY), chosen by the query itself so that every
   * page is full; an admin reads all of them, actions no longer known too.
   */
  async list(input: AuditListInput = {}, reader?: AuditReader): Promise<Page<AuditEvent>> {
    const q = parseInput(AuditListInput, input);
    // Times are compared as the database has them (microseconds), not as a JS Date.
    const instant = (value: string) => cast(value, 'timestamptz');
    const conditions: WhereOptions<AuditEventModel>[] = [];
    if (reader && reader.role !== 'admin') {
      const { anyone, own } = auditActionsFor(reader.role);
      conditions.push({
        [Op.or]: [{ action: anyone }, { action: own, actorId: reader.userId }],
      });
    }
    if (q.actorId !== undefined) conditions.push({ actorId: q.actorId });
    if (q.action !== undefined) conditions.push({ action: q.action });
    if (q.targetType !== undefined) conditions.push({ targetType: q.targetType });
    if (q.targetId !== undefined) conditions.push({ targetId: q.targetId });
    if (q.from !== undefined) conditions.push(where(col('created_at'), Op.gte, instant(q.from)));
    if (q.to !== undefined) conditions.push(where(col('created_at'), Op.lt, instant(q.to)));
    if (q.cursor) {
      const [createdAt, id] = decodeCursor(q.cursor, isAuditCursor);
      conditions.push({
        [Op.or]: [
          where(col('created_at'), Op.lt, instant(createdAt)),
          {
            [Op.and]: [
              where(col('created_at'), Op.eq, instant(createdAt)),
              { id: { [Op.lt]: id } },
            ],
          },
        ],
      });
    }
    const rows = await guarded(
      this.model.findAll({
        attributes: { include: [[fn('text', col('created_at')), 'sortKey']] },
        where: { [Op.and]: conditions },
        order: [
          ['createdAt', 'DESC'],
          ['id', 'DESC'],
        ],
        limit: q.limit + 1,
        transaction: this.ex.transaction ?? null,
      }),
    );
    const more = rows.length > q.limit;
    const pageRows = more ? rows.slice(0, q.limit) : rows;
    const last = pageRows.at(-1);
    return {
      items: pageRows.map(toAuditEvent),
      nextCursor: more && last ? encodeCursor([last.get('sortKey'), last.id]) : null,
    };
  }
}
