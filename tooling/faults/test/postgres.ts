// Reading a scenario's database from the test, on connections of its own.
import pg from 'pg';

/** One statement on a connection of its own (so that an outage leaves nothing broken here). */
export async function query<T>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return (await client.query(sql, params)).rows as T[];
  } finally {
    await client.end().catch(() => undefined);
  }
}
