import { parseEnv } from '@netauto/schema';
import { z } from 'zod';

const Env = z.object({
  /** The server, when neither --url nor the config file names one. */
  NETAUTO_URL: z.string().min(1).optional(),
  /** An API token, when --token is not given. */
  NETAUTO_TOKEN: z.string().min(1).optional(),
  /** Where the config file lives: $XDG_CONFIG_HOME/netauto, else ~/.config/netauto. */
  XDG_CONFIG_HOME: z.string().min(1).optional(),
  HOME: z.string().min(1).optional(),
  /** Any value turns colours off (https://no-color.org). */
  NO_COLOR: z.string().optional(),
  /** Any value but 0 turns colours on even when not on a terminal. */
  FORCE_COLOR: z.string().optional(),
  /** The shell, for `netauto completion` without an argument. */
  SHELL: z.string().optional(),
});
export type CliEnv = z.infer<typeof Env>;

export function readCliEnv(env: NodeJS.ProcessEnv = process.env): CliEnv {
  // An empty value means unset (as XDG says for XDG_CONFIG_HOME).
  return parseEnv(Env, Object.fromEntries(Object.entries(env).filter(([, v]) => v !== '')));
}
