import { loadConfig, type Config, type Environment } from '@netauto/config';

/** The CLI's settings: NETAUTO_URL, NETAUTO_TOKEN, where its config file lives, colours, the shell. */
export type CliEnv = Config['cli'];

/**
 * Reads the CLI's own variables, and only those: a bad value meant for a server (PORT,
 * say) is not the CLI's business. An empty value counts as unset.
 */
export function readCliEnv(env: Environment): CliEnv {
  return loadConfig(env, ['cli']).cli;
}
