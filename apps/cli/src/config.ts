import { chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { CliError } from './errors.js';
import type { CliEnv } from './env.js';

/** What `netauto login` keeps: the server and an API token for it. */
export const ConfigFile = z.object({
  url: z.string().min(1).optional(),
  token: z.string().min(1).optional(),
  /** Who the token belongs to, and its id (for `netauto logout` to revoke it). */
  email: z.string().optional(),
  tokenId: z.number().int().positive().optional(),
});
export type ConfigFile = z.infer<typeof ConfigFile>;

export function configPath(env: CliEnv): string {
  const base = env.XDG_CONFIG_HOME ?? path.join(env.HOME ?? homedir(), '.config');
  return path.join(base, 'netauto', 'config.json');
}

export async function readConfig(file: string): Promise<ConfigFile> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ENOENT') return {};
    throw error;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new CliError(`${file} is not valid JSON: fix it, or delete it and run \`netauto login\``);
  }
  const parsed = ConfigFile.safeParse(json);
  if (!parsed.success) {
    throw new CliError(
      `${file} is not a NetAuto config (${parsed.error.issues[0]?.path.join('.') ?? ''}: ${parsed.error.issues[0]?.message ?? ''}): fix it, or delete it and run \`netauto login\``,
    );
  }
  return parsed.data;
}

/** Writes the config readable by its owner only (0600, in a 0700 folder), atomically. */
export async function writeConfig(file: string, config: ConfigFile): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const temp = `${file}.${process.pid}.tmp`;
  await writeFile(temp, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  await chmod(temp, 0o600);
  await rename(temp, file);
}

export async function removeConfig(file: string): Promise<void> {
  await rm(file, { force: true });
}
