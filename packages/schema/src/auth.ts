import { z } from 'zod';
import { Id, Timestamp } from './common.js';
import { UserRole } from './enums.js';

export const Email = z
  .string()
  .trim()
  .max(254, 'e-mail must be at most 254 characters')
  .pipe(z.email('must be an e-mail address'));

export const User = z.object({
  id: Id,
  email: z.string(),
  role: UserRole,
  disabled: z.boolean(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type User = z.infer<typeof User>;

export const AuditEvent = z.object({
  id: Id,
  actorId: Id.nullable(),
  actorEmail: z.string().nullable(),
  action: z.string(),
  targetType: z.string().nullable(),
  targetId: z.string().nullable(),
  summary: z.record(z.string(), z.unknown()),
  createdAt: Timestamp,
});
export type AuditEvent = z.infer<typeof AuditEvent>;
