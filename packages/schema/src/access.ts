import { z } from 'zod';
import { canonicalIp, parseNetwork } from './address.js';
import { Id, Port, Timestamp, line, secretCheck } from './common.js';
import { Site } from './inventory.js';

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

/** A host key's address: an IP address is taken in its canonical form (see address.ts). */
export const HostKeyRef = z.strictObject({
  host: line(253, 'host').transform((h) => canonicalIp(h) ?? h),
  port: Port,
});
export type HostKeyRef = z.infer<typeof HostKeyRef>;

/** The name of a `db:NAME` credential. */
export const CredentialName = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9_]{0,63}$/, 'credential names use letters, digits and _, up to 64');

/**
 * Where a credential may be used: a device may use it when its address is inside one of
 * the networks (if any are given) and its site is one of the sites (if any are given).
 * Networks are kept in canonical form (`10.0.0.0/8`, `192.0.2.7/32`, `2001:db8::/32`).
 */
export const CredentialScope = z.object({
  cidrs: z.array(z.string()),
  sites: z.array(z.string()),
});
export type CredentialScope = z.infer<typeof CredentialScope>;

/** One network of a scope: `10.0.0.0/8`, `2001:db8::/32`, or an address alone (a /32 or /128). */
export const ScopeNetwork = z
  .string()
  .max(100, 'a network must be at most 100 characters')
  .transform((text, ctx) => {
    const network = parseNetwork(text);
    if ('error' in network) {
      ctx.addIssue({ code: 'custom', message: network.error });
      return z.NEVER;
    }
    return network.cidr;
  });

const unique = (values: string[]) => [...new Set(values)];

/**
 * A scope as an admin sets it: networks, sites, or both, at least one of them. Any
 * address at all must be asked for in so many words: `0.0.0.0/0` (and `::/0` for IPv6).
 */
export const CredentialScopeInput = z
  .strictObject(
    {
      cidrs: z.array(ScopeNetwork).max(256, 'at most 256 networks').default([]),
      sites: z.array(Site).max(256, 'at most 256 sites').default([]),
    },
    {
      error: (issue) =>
        issue.input === undefined
          ? 'a scope is required: the networks (CIDRs), the sites, or both where this credential may be used'
          : undefined,
    },
  )
  .transform((s) => ({ cidrs: unique(s.cidrs), sites: unique(s.sites) }))
  .refine((s) => s.cidrs.length + s.sites.length > 0, {
    error:
      'give the networks (CIDRs), the sites, or both where this credential may be used; for any address write 0.0.0.0/0 and ::/0',
    path: ['cidrs'],
  });
export type CredentialScopeInput = z.input<typeof CredentialScopeInput>;

/** What is shown of a stored credential: never the secret. */
export const CredentialInfo = z.object({
  name: z.string(),
  username: z.string().nullable(),
  /** null: stored before scopes existed, and refused until an admin sets one. */
  scope: CredentialScope.nullable(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type CredentialInfo = z.infer<typeof CredentialInfo>;

/** Changes where a stored credential may be used, keeping its secret. */
export const CredentialScopeSet = z.strictObject({
  name: CredentialName,
  scope: CredentialScopeInput,
});
export type CredentialScopeSet = z.input<typeof CredentialScopeSet>;

/**
 * An `env:` credential this process has (NETAUTO_<REF>_PASSWORD or _PRIVKEY is set) and
 * its scope from NETAUTO_<REF>_ALLOW; never its secret.
 */
export const EnvCredentialInfo = z.object({
  ref: z.string(),
  /** The variable that holds its scope. */
  variable: z.string(),
  /**
   * scoped: used only within its scope; unscoped: no scope set, used for any device (and
   * flagged); invalid: the scope cannot be read, so the credential is refused.
   */
  status: z.enum(['scoped', 'unscoped', 'invalid']),
  scope: CredentialScope.nullable(),
  /** What an admin should fix, if anything. */
  problem: z.string().nullable(),
});
export type EnvCredentialInfo = z.infer<typeof EnvCredentialInfo>;

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
    /** Where it may be used: required. */
    scope: CredentialScopeInput,
  })
  .refine((c) => c.password !== undefined || c.privateKey !== undefined, {
    error: 'give a password, a private key, or both',
    path: ['password'],
  });
export type CredentialSet = z.input<typeof CredentialSet>;

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
