import { z } from 'zod';
import {
  Cidr,
  Cursor,
  TagValue,
  Id,
  IpAddress,
  Limit,
  Metadata,
  Port,
  SortDirection,
  TagKey,
  Tags,
  Timestamp,
  line,
  page,
  searchText,
  text,
  textCheck,
} from './common.js';
import { canonicalIp } from './address.js';
import { MembershipRole, Platform, Protocol } from './enums.js';
import {
  createShape,
  defineFields,
  fileColumns,
  formFields,
  patchShape,
  recordShape,
  sortableFields,
} from './entity.js';

export const Hostname = z
  .string()
  .superRefine(textCheck('hostname'))
  .trim()
  .min(1, 'hostname must not be empty')
  .max(253, 'hostname must be at most 253 characters')
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._-]*$/,
    'hostname may use letters, digits, dots, dashes and underscores, and must start with a letter or digit',
  );

export const Site = line(64, 'site');

/**
 * A device's address, stored canonically: an IPv4-mapped IPv6 address is its IPv4
 * address, IPv6 is compressed in lower case. One host is one text, for host keys and
 * credential scopes alike.
 */
export const DeviceIp = IpAddress.transform((ip) => canonicalIp(ip) ?? ip);

/**
 * Names an `env:` credential may not take: NETAUTO_<NAME>_PASSWORD and its kin would be
 * NetAuto's own settings (NETAUTO_ADMIN_PASSWORD, say), which no device may be sent.
 */
export const RESERVED_CREDENTIAL_NAMES: readonly string[] = [
  'ADMIN',
  'SECRET',
  'SESSION',
  'LOGIN',
  'DB',
  'DATA',
  'SQL',
  'TEST',
  'HOST',
  'HOSTS',
  'CONNECT',
  'COMMAND',
  'OUTPUT',
  'RUN',
  'ENABLE',
  'DEMO',
  'WORKERS',
  'LOG',
  'METRICS',
  'ORIGIN',
  'PORT',
];

/** True when an `env:` reference (or a bare one) names a reserved variable family. */
export function isReservedCredRef(ref: string): boolean {
  if (ref.startsWith('db:')) return false;
  const name = ref.replace(/^env:/, '').toUpperCase();
  return RESERVED_CREDENTIAL_NAMES.includes(name);
}

/**
 * A reference to a secret, never the secret: `env:REF` (or a bare `REF`) reads
 * NETAUTO_<REF>_* variables; `db:REF` reads the encrypted credentials table.
 */
export const CredRef = z
  .string()
  .superRefine(textCheck('credential reference'))
  .trim()
  .max(70, 'credential reference must be at most 70 characters')
  .regex(
    /^(?:(?:env|db):)?[A-Za-z][A-Za-z0-9_]{0,63}$/,
    'credential reference must look like env:NAME, db:NAME or NAME (letters, digits, underscores)',
  )
  .refine((ref) => !isReservedCredRef(ref), 'this credential name is reserved for NetAuto itself');

/**
 * A device's fields, once: their checks, what create and patch do with them, their
 * inventory file columns, their form fields and which ones lists sort by. Device,
 * DeviceCreate, DevicePatch, DEVICE_FILE_COLUMNS, DEVICE_FORM_FIELDS and
 * DEVICE_SORT_FIELDS are derived from it, and so are the database's columns.
 */
export const DEVICE_FIELDS = defineFields({
  hostname: {
    value: Hostname,
    record: z.string(),
    create: 'required',
    patch: true,
    csv: 'text',
    form: { label: 'Hostname' },
    sortable: true,
  },
  ip: {
    value: DeviceIp,
    record: z.string(),
    create: 'required',
    patch: true,
    csv: 'text',
    form: { label: 'IP address', mono: true, hint: 'IPv4 or IPv6' },
    sortable: true,
  },
  protocol: {
    value: Protocol,
    record: Protocol,
    create: { default: 'ssh' },
    patch: true,
    csv: 'text',
    form: { label: 'Protocol' },
    sortable: true,
  },
  /** Defaults to 22 for ssh and 23 for telnet. */
  port: {
    value: Port,
    record: z.number().int(),
    create: 'optional',
    patch: true,
    csv: 'number',
    form: { label: 'Port', hint: 'Empty: 22 for ssh, 23 for telnet' },
    sortable: true,
  },
  username: {
    value: line(64, 'username'),
    record: z.string(),
    create: 'required',
    patch: true,
    csv: 'text',
    form: { label: 'Username' },
  },
  credRef: {
    value: CredRef,
    record: z.string(),
    create: 'required',
    patch: true,
    csv: 'text',
    csvAliases: ['cred_ref'],
    form: {
      label: 'Credential reference',
      mono: true,
      placeholder: 'env:LAB or db:LAB',
      hint: 'Names a secret kept elsewhere; never the secret itself',
    },
  },
  platform: {
    value: Platform,
    record: Platform,
    create: { default: 'generic' },
    patch: true,
    csv: 'text',
    form: { label: 'Platform' },
    sortable: true,
  },
  vendor: {
    value: line(64, 'vendor'),
    record: z.string().nullable(),
    create: 'nullable',
    patch: true,
    csv: 'text',
    form: { label: 'Vendor' },
    sortable: true,
  },
  model: {
    value: line(128, 'model'),
    record: z.string().nullable(),
    create: 'nullable',
    patch: true,
    csv: 'text',
    form: { label: 'Model' },
    sortable: true,
  },
  site: {
    value: Site,
    record: z.string().nullable(),
    create: 'nullable',
    patch: true,
    csv: 'text',
    form: { label: 'Site' },
    sortable: true,
  },
  tags: {
    value: Tags,
    record: z.record(z.string(), z.string()),
    create: { default: {} },
    patch: true,
    csv: 'tags',
    form: { label: 'Tags', hint: 'One key=value a line (or separated by ; or ,)', mono: true },
  },
  metadata: {
    value: Metadata,
    record: z.record(z.string(), z.unknown()),
    create: { default: {} },
    patch: true,
    csv: 'json',
  },
});
export type DeviceField = keyof typeof DEVICE_FIELDS;

export const Device = z.object({
  id: Id,
  ...recordShape(DEVICE_FIELDS),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type Device = z.infer<typeof Device>;

/** The columns of a CSV, JSON or YAML inventory, in order (tags as `k=v;k=v`, metadata as JSON). */
export const DEVICE_FILE_COLUMNS = fileColumns(DEVICE_FIELDS);
export type DeviceFileField = (typeof DEVICE_FILE_COLUMNS)[number]['name'];

/** The device form's fields, in order. */
export const DEVICE_FORM_FIELDS = formFields(DEVICE_FIELDS);
export type DeviceFormField = (typeof DEVICE_FORM_FIELDS)[number]['name'];

export const DeviceCreate = z.strictObject(createShape(DEVICE_FIELDS));
export type DeviceCreate = z.input<typeof DeviceCreate>;
export type DeviceCreateParsed = z.output<typeof DeviceCreate>;

/** One row of an inventory file, checked: the device it holds, or what is wrong with it. */
export interface CheckedDeviceRow {
  /** 1-based, in file order. */
  row: number;
  device?: DeviceCreate;
  errors: string[];
}

/**
 * Checks the rows of an inventory file as an import will: each against DeviceCreate,
 * and no two rows with the same hostname and site.
 */
export function checkDeviceRows(records: readonly unknown[]): CheckedDeviceRow[] {
  const seen = new Map<string, number>();
  return records.map((record, index): CheckedDeviceRow => {
    const row = index + 1;
    const parsed = DeviceCreate.safeParse(record);
    if (!parsed.success) {
      return {
        row,
        errors: parsed.error.issues.map(
          (i) => `${i.path.map(String).join('.') || 'row'}: ${i.message}`,
        ),
      };
    }
    const key = `${parsed.data.hostname}\u0000${parsed.data.site ?? '\u0001'}`;
    const first = seen.get(key);
    if (first !== undefined) {
      return { row, errors: [`hostname: the same hostname and site as row ${first}`] };
    }
    seen.set(key, row);
    return { row, device: record as DeviceCreate, errors: [] };
  });
}

export const DevicePatch = z.strictObject(patchShape(DEVICE_FIELDS));
export type DevicePatch = z.infer<typeof DevicePatch>;

export const DeviceUpdate = z.strictObject({ id: Id, patch: DevicePatch });
export type DeviceUpdate = z.infer<typeof DeviceUpdate>;

export const DEVICE_SORT_FIELDS = [
  ...sortableFields(DEVICE_FIELDS),
  'createdAt',
  'updatedAt',
] as const satisfies readonly string[];
export const DeviceSortField = z.enum(DEVICE_SORT_FIELDS);
export type DeviceSortField = z.infer<typeof DeviceSortField>;

/** `key` (has the tag) or `key=value` (has the tag with that value); parsed form accepted too. */
export const TagFilter = z.union([
  z
    .string()
    .max(330)
    .transform((s, ctx) => {
      const eq = s.indexOf('=');
      const key = eq === -1 ? s : s.slice(0, eq);
      const value = eq === -1 ? undefined : s.slice(eq + 1);
      const parsedKey = TagKey.safeParse(key);
      if (!parsedKey.success) {
        ctx.addIssue({ code: 'custom', message: 'tag filter must be key or key=value' });
        return z.NEVER;
      }
      return { key: parsedKey.data, value };
    }),
  z.strictObject({ key: TagKey, value: TagValue.optional() }),
]);
export type TagFilter = z.output<typeof TagFilter>;

export const DeviceListInput = z.strictObject({
  /** Text search over hostname, ip, vendor, model, site and tag values. */
  q: searchText(200).optional(),
  site: Site.optional(),
  platform: Platform.optional(),
  vendor: line(64, 'vendor').optional(),
  protocol: Protocol.optional(),
  tags: z.array(TagFilter).max(16).optional(),
  groupId: Id.optional(),
  /** Devices whose ip is inside this network. */
  cidr: Cidr.optional(),
  sort: DeviceSortField.default('hostname'),
  dir: SortDirection.default('asc'),
  cursor: Cursor.optional(),
  limit: Limit,
});
export type DeviceListInput = z.input<typeof DeviceListInput>;
export type DeviceListQuery = z.output<typeof DeviceListInput>;

export const DevicePage = page(Device);
export type DevicePage = z.infer<typeof DevicePage>;

export const UpsertResult = z.object({
  created: z.number().int(),
  updated: z.number().int(),
  ids: z.array(Id),
});
export type UpsertResult = z.infer<typeof UpsertResult>;

// Groups and memberships

export const GroupName = line(100, 'group name');

export const Group = z.object({
  id: Id,
  name: z.string(),
  description: z.string().nullable(),
  site: z.string().nullable(),
  tags: z.record(z.string(), z.string()),
  metadata: z.record(z.string(), z.unknown()),
  memberCount: z.number().int(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type Group = z.infer<typeof Group>;

export const GroupCreate = z.strictObject({
  name: GroupName,
  description: text(2000, 'description').nullish(),
  site: Site.nullish(),
  tags: Tags.default({}),
  metadata: Metadata.default({}),
});
export type GroupCreate = z.input<typeof GroupCreate>;

export const GroupPatch = z.strictObject({
  name: GroupName.optional(),
  description: text(2000, 'description').nullable().optional(),
  site: Site.nullable().optional(),
  tags: Tags.optional(),
  metadata: Metadata.optional(),
});
export type GroupPatch = z.infer<typeof GroupPatch>;

export const Membership = z.object({
  deviceId: Id,
  groupId: Id,
  role: MembershipRole,
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type Membership = z.infer<typeof Membership>;

export const GroupMember = Membership.extend({ device: Device });
export type GroupMember = z.infer<typeof GroupMember>;

export const DeviceGroupLink = Membership.extend({ group: Group.omit({ memberCount: true }) });
export type DeviceGroupLink = z.infer<typeof DeviceGroupLink>;

export const GroupWithMembers = Group.extend({ members: z.array(GroupMember) });
export type GroupWithMembers = z.infer<typeof GroupWithMembers>;

export const MembershipAdd = z.strictObject({
  groupId: Id,
  deviceId: Id,
  role: MembershipRole.default('member'),
});
export type MembershipAdd = z.input<typeof MembershipAdd>;

export const MembershipUpdate = z.strictObject({ groupId: Id, deviceId: Id, role: MembershipRole });
export type MembershipUpdate = z.infer<typeof MembershipUpdate>;

export const MembershipKey = z.strictObject({ groupId: Id, deviceId: Id });
export type MembershipKey = z.infer<typeof MembershipKey>;
