import { z } from 'zod';
import { Id, line, searchText, secretCheck } from './common.js';
import { UserRole } from './enums.js';
import { Email } from './auth.js';
import { GroupPatch } from './inventory.js';
import { TemplatePatch } from './automation.js';

/** Inputs and outputs that only the API speaks (the entities live beside their domain). */

export const Password = z
  .string()
  .min(10, 'password must be at least 10 characters')
  .max(256, 'password must be at most 256 characters')
  .superRefine(secretCheck('password'));

export const LoginInput = z.strictObject({
  email: Email,
  // Any stored password may be typed; the length rule applies when one is set.
  password: z.string().min(1, 'password is required').max(256),
});
export type LoginInput = z.infer<typeof LoginInput>;

export const ChangePasswordInput = z.strictObject({
  currentPassword: z.string().min(1, 'current password is required').max(256),
  newPassword: Password,
});
export type ChangePasswordInput = z.infer<typeof ChangePasswordInput>;

export const TokenCreateInput = z.strictObject({
  name: line(100, 'token name'),
  readOnly: z.boolean().default(false),
  /** Days until the token stops working; never when left out. */
  expiresInDays: z.number().int().min(1).max(3650).optional(),
});
export type TokenCreateInput = z.input<typeof TokenCreateInput>;

export const AdminTokenCreateInput = TokenCreateInput.extend({ userId: Id });
export type AdminTokenCreateInput = z.input<typeof AdminTokenCreateInput>;

export const UserCreateInput = z.strictObject({
  email: Email,
  password: Password,
  role: UserRole.default('viewer'),
});
export type UserCreateInput = z.input<typeof UserCreateInput>;

export const UserUpdateInput = z.strictObject({
  id: Id,
  email: Email.optional(),
  role: UserRole.optional(),
  disabled: z.boolean().optional(),
});
export type UserUpdateInput = z.infer<typeof UserUpdateInput>;

export const ResetPasswordInput = z.strictObject({ id: Id, password: Password });
export type ResetPasswordInput = z.infer<typeof ResetPasswordInput>;

export const UserListInput = z.strictObject({
  q: searchText(200).optional(),
  role: UserRole.optional(),
  disabled: z.boolean().optional(),
});
export type UserListInput = z.input<typeof UserListInput>;

export const ById = z.strictObject({ id: Id });
export type ById = z.infer<typeof ById>;

export const GroupUpdateInput = z.strictObject({ id: Id, patch: GroupPatch });
export const TemplateUpdateInput = z.strictObject({ id: Id, patch: TemplatePatch });

export const GroupListInput = z.strictObject({ q: searchText(200).optional() });

export const OkOutput = z.object({ ok: z.literal(true) });
