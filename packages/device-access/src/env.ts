import { isReservedCredRef } from '@netauto/schema';

/** Variables by name: the `credentials` of the configuration, or any such record in tests. */
export type CredentialEnv = Readonly<Record<string, string | undefined>>;

/** The NETAUTO_<REF>_* variables of an `env:` credential, read in this one place. */
export function credentialVariables(
  ref: string,
  env: CredentialEnv,
): Record<
  | 'username'
  | 'password'
  | 'privateKey'
  | 'privateKeyBase64'
  | 'passphrase'
  | 'enableSecret'
  | 'allow',
  string | undefined
> {
  const prefix = `NETAUTO_${ref.toUpperCase()}_`;
  const get = (suffix: string) => {
    const value = env[prefix + suffix];
    return value === undefined || value === '' ? undefined : value;
  };
  return {
    username: get('USERNAME'),
    password: get('PASSWORD'),
    privateKey: get('PRIVKEY'),
    privateKeyBase64: get('PRIVKEY_BASE64'),
    passphrase: get('PASSPHRASE'),
    enableSecret: get('ENABLE'),
    /** Where it may be used (see secrets/scope.ts); no secret. */
    allow: get('ALLOW'),
  };
}

const SECRET_VARIABLE = /^NETAUTO_([A-Z][A-Z0-9_]{0,63})_(?:PASSWORD|PRIVKEY|PRIVKEY_BASE64)$/;

/**
 * The `env:` credentials the environment defines: the REF of every NETAUTO_<REF>_PASSWORD,
 * _PRIVKEY or _PRIVKEY_BASE64 that is set (names reserved for NetAuto's own settings
 * excepted), sorted. Only names are read here, never values.
 */
export function environmentCredentialNames(env: CredentialEnv): string[] {
  const names = new Set<string>();
  for (const [variable, value] of Object.entries(env)) {
    const name = SECRET_VARIABLE.exec(variable)?.[1];
    if (name && value && !isReservedCredRef(name)) names.add(name);
  }
  return [...names].sort();
}
