import { z } from 'zod';

const Env = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default('127.0.0.1'),
  /** `1`: also start simulated devices and fill the inventory (as `--demo`). */
  NETAUTO_DEMO: z.enum(['0', '1']).default('0'),
  /** Devices in the demo fleet. */
  NETAUTO_DEMO_DEVICES: z.coerce.number().int().min(1).max(500).default(20),
  /** The public origin (https://netauto.example.net), when behind a proxy. */
  ORIGIN: z.url().optional(),
});
export type WebEnv = z.infer<typeof Env>;

export function readWebEnv(env: NodeJS.ProcessEnv = process.env): WebEnv {
  const parsed = Env.safeParse(env);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  throw new Error(`invalid environment: ${problems.join('; ')}`);
}

/** The demo fleet's credential (devsim's defaults), unless the environment names others. */
export const DEMO_CREDENTIALS = {
  NETAUTO_DEVSIM_USERNAME: 'netops',
  NETAUTO_DEVSIM_PASSWORD: 'netops-pass',
  /** The simulated devices listen on loopback only: the credential goes nowhere else. */
  NETAUTO_DEVSIM_ALLOW: '127.0.0.0/8,::1',
  NETAUTO_DEVSIM_ENABLE: 'enable-pass',
} as const;

/** Gives the runner the demo fleet's credential (env:DEVSIM), keeping values already set. */
export function useDemoCredentials(env: NodeJS.ProcessEnv = process.env): void {
  for (const [name, value] of Object.entries(DEMO_CREDENTIALS)) env[name] ??= value;
}

/** Request bodies up to 64 MB (a large inventory import), unless BODY_SIZE_LIMIT says otherwise. */
export function useBodySizeLimit(env: NodeJS.ProcessEnv = process.env): void {
  env.BODY_SIZE_LIMIT ??= '64M';
}

/** Tells SvelteKit's node handler which request header carries the protocol. */
export function useProtocolHeader(name: string, env: NodeJS.ProcessEnv = process.env): void {
  env.PROTOCOL_HEADER ??= name;
}
