import { parseEnv } from '@netauto/schema';
import { z } from 'zod';

const Env = z.object({
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
  /** Where the embedded PostgreSQL keeps its data when DATABASE_URL is not set. */
  NETAUTO_DATA_DIR: z.string().min(1).default('.netauto'),
  NETAUTO_DB_POOL_MAX: z.coerce.number().int().min(1).max(200).default(10),
  /** Tests: an admin URL of a server to use instead of a throwaway embedded one. */
  NETAUTO_TEST_DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
  NETAUTO_SQL_LOG: z
    .enum(['0', '1'])
    .default('0')
    .transform((v) => v === '1'),
});
export type DbEnv = z.infer<typeof Env>;

export function readDbEnv(env: NodeJS.ProcessEnv = process.env): DbEnv {
  return parseEnv(Env, env);
}
