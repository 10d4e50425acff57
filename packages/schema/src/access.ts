import { z } from 'zod';
import { Id, Port, Timestamp, line, secretCheck } from './common.js';

/** A host key NetAuto has seen and trusts for one host and port. */
export const KnownHost = z.object({
  id: Id,
  host: z.string(),
  port: z.number().int(),
  /** The trusted key; null while only a pending key is known (strict mode). */
  keyType: z.string().nullable(),
  /** OpenSSH style: `SHA256:` and the base64 digest of the key, without padding. */
  fingerprint: z.string().nullable(),
  firstSeenAt: Timestamp,
  lastSeenAt: Timestamp,
  /** A different key presented since: refused until an admin accepts it. */
  pendingFingerprint: z.string().nullable(),
  pendingSeenAt: Timestamp.nullable(),
});
export type KnownHost = z.infer<typeof KnownHost>;

export const HostKeyRef = z.strictObject({ host: line(253, 'host'), port: Port });
export type HostKeyRef = z.infer<typeof HostKeyRef>;

/** The name of a `db:NAME` credential. */
export const CredentialName = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9_]{0,63}$/, 'credential names use letters, digits and _, up to 64');

/** What is shown of a stored credential: never the secret. */
export const CredentialInfo = z.object({
  name: z.string(),
  username: z.string().nullable(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type CredentialInfo = z.infer<typeof CredentialInfo>;

const secretText = (max: number, what: string, allow = '') =>
  z
    .string()
    .min(1, `${what} must not be empty`)
    .max(max, `${what} must be at most ${max} characters`)
    .superRefine(secretCheck(what, allow));

/** A credential to store (write-only): a password, a private key, or both. */
export const CredentialSet = z
  .strictObject({
    name: CredentialName,
    username: line(64, 'username').optional(),
    password: secretText(1024, 'password').optional(),
    privateKey: secretText(16_384, 'private key', '\r\n').optional(),
    passphrase: secretText(1024, 'passphrase').optional(),
    /** The enable secret of devices that ask for one. */
    enableSecret: secretText(1024, 'enable secret').optional(),
  })
  .refine((c) => c.password !== undefined || c.privateKey !== undefined, {
    error: 'give a password, a private key, or both',
    path: ['password'],
  });
export type CredentialSet = z.infer<typeof CredentialSet>;

/** Accepting the changed key of a host: the admin names the key they checked. */
export const HostKeyAcceptInput = HostKeyRef.extend({
  fingerprint: line(200, 'fingerprint'),
});
export type HostKeyAcceptInput = z.infer<typeof HostKeyAcceptInput>;

/** The limits a NetAuto process runs with, as configured (read-only). */
export const Settings = z.object({
  quotas: z.object({
    /** Runs at once in all, across processes. */
    global: z.number().int(),
    /** Runs at once per site (devices without a site share "default"). */
    perSite: z.number().int(),
    /** Runs at once in one worker process. */
    workerConcurrency: z.number().int(),
    /** Runs at once per device (always one). */
    perDevice: z.literal(1),
  }),
  timeouts: z.object({ connectMs: z.number().int(), commandMs: z.number().int() }),
  outputMaxBytes: z.number().int(),
  hostKeys: z.enum(['tofu', 'strict']),
  telnetEnabled: z.boolean(),
  /** Whether `db:` credentials can be stored (NETAUTO_SECRET_KEY is set). */
  credentialStore: z.boolean(),
  retention: z.object({
    maxDays: z.number().int(),
    maxBytes: z.number().int(),
    cron: z.string(),
  }),
});
export type Settings = z.infer<typeof Settings>;
