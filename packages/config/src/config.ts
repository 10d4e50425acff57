import type { Section, SectionValues } from './define.js';
import * as sections from './sections.js';

/** Every section, in the order the documentation lists them. */
export const SECTIONS = {
  database: sections.database,
  deviceAccess: sections.deviceAccess,
  worker: sections.worker,
  observability: sections.observability,
  api: sections.api,
  server: sections.server,
  demo: sections.demo,
  cli: sections.cli,
} as const;
export type SectionName = keyof typeof SECTIONS;

/**
 * The variables of an `env:` credential: NETAUTO_<REF>_USERNAME, _PASSWORD, _PRIVKEY,
 * _PRIVKEY_BASE64, _PASSPHRASE, _ENABLE and _ALLOW. Their names are the operator's, so
 * they are collected by pattern rather than declared one by one.
 */
export const CREDENTIAL_SUFFIXES = [
  'USERNAME',
  'PASSWORD',
  'PRIVKEY',
  'PRIVKEY_BASE64',
  'PASSPHRASE',
  'ENABLE',
  'ALLOW',
] as const;
const CREDENTIAL_VARIABLE = new RegExp(`^NETAUTO_[A-Z0-9_]+_(?:${CREDENTIAL_SUFFIXES.join('|')})$`);

/** The settings of every section, and the `env:` credentials the environment defines. */
export type Config = {
  readonly [K in SectionName]: SectionValues<(typeof SECTIONS)[K]>;
} & {
  /** NETAUTO_<REF>_* variables of `env:` credentials, by name. Secrets: never log them. */
  readonly credentials: Readonly<Record<string, string>>;
};

/** What a process that loaded only some sections holds. */
export type ConfigOf<K extends SectionName> = Pick<Config, K | 'credentials'>;

/** The environment, or any record of variables (tests build one). */
export type Environment = Readonly<Record<string, string | undefined>>;

/** Every bad variable at once, each named with what is wrong (never its value). */
export class ConfigError extends Error {
  constructor(readonly problems: readonly { variable: string; message: string }[]) {
    super(`invalid environment: ${problems.map((p) => `${p.variable}: ${p.message}`).join('; ')}`);
    this.name = 'ConfigError';
  }
}

/** Every variable a section declares, by name (the credentials' pattern aside). */
export const VARIABLE_NAMES: ReadonlySet<string> = new Set(
  Object.values(SECTIONS).flatMap((s: Section) => Object.keys(s.variables)),
);

/**
 * Reads the configuration once, at an entry point: every variable of the sections asked
 * for (all of them by default) is checked and given its default, and the result is
 * frozen. Throws a ConfigError naming every bad variable. Nothing else reads the
 * environment: the entry point passes these settings down.
 */
export function loadConfig(env: Environment): Config;
export function loadConfig<K extends SectionName>(
  env: Environment,
  only: readonly K[],
): ConfigOf<K>;
export function loadConfig(env: Environment, only?: readonly SectionName[]): Partial<Config> {
  const names = only ?? (Object.keys(SECTIONS) as SectionName[]);
  const problems: { variable: string; message: string }[] = [];
  const config: Record<string, unknown> = {};
  for (const name of names) {
    const s: Section = SECTIONS[name];
    const values: Record<string, unknown> = {};
    for (const [variable, { schema }] of Object.entries(s.variables)) {
      const raw = env[variable];
      const parsed = schema.safeParse(s.emptyIsUnset && raw === '' ? undefined : raw);
      if (parsed.success) values[variable] = parsed.data;
      else
        for (const issue of parsed.error.issues)
          problems.push({ variable, message: issue.message });
    }
    config[name] = Object.freeze(values);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  config.credentials = Object.freeze(credentialsOf(env));
  return Object.freeze(config);
}

function credentialsOf(env: Environment): Record<string, string> {
  const found: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined || VARIABLE_NAMES.has(name)) continue;
    if (CREDENTIAL_VARIABLE.test(name)) found[name] = value;
  }
  return found;
}

/**
 * The same configuration with more `env:` credentials, those already defined winning
 * (the demo gives its fleet's credential this way).
 */
export function withCredentials<
  C extends { readonly credentials: Readonly<Record<string, string>> },
>(config: C, defaults: Readonly<Record<string, string>>): C {
  return Object.freeze({
    ...config,
    credentials: Object.freeze({ ...defaults, ...config.credentials }),
  });
}

/** The port a server listens on: PORT, else that server's own default. */
export function listenPort(
  config: { readonly server: { readonly PORT: number | undefined } },
  server: keyof typeof sections.DEFAULT_PORT,
): number {
  return config.server.PORT ?? sections.DEFAULT_PORT[server];
}
