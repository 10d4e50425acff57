import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTestDatabase } from './db.js';

// Each promise of the schema, checked with plain SQL: the ORM and the repositories
// are bypassed, so only PostgreSQL itself can refuse.
describe('database constraints (ORM bypassed)', async () => {
  const test = await useTestDatabase();
  const client = new pg.Client({ connectionString: test.url });
  beforeAll(() => client.connect());
  afterAll(() => client.end());

  const sql = (text: string, values: unknown[] = []) => client.query(text, values);
  /** The id in the first row a statement returned. */
  const idOf = (result: pg.QueryResult) => (result.rows[0] as { id: number }).id;

  async function refused(text: string, values: unknown[], code: string, constraint?: string) {
    // Inside a savepoint-free statement: each failure leaves nothing behind.
    const error = await sql(text, values).then(
      () => undefined,
      (e: unknown) => e as { code?: string; constraint?: string },
    );
    expect(error, `expected refusal of: ${text}`).toBeDefined();
    expect(error?.code).toBe(code);
    if (constraint) expect(error?.constraint).toBe(constraint);
  }

  const device = (hostname: string, site: string | null, extra = '') =>
    `INSERT INTO devices (hostname, ip, username, cred_ref, site${extra ? `, ${extra.split('=')[0] ?? ''}` : ''})
     VALUES ('${hostname}', '10.0.0.1', 'u', 'env:X', ${site === null ? 'NULL' : `'${site}'`}${extra ? `, ${extra.split('=')[1] ?? ''}` : ''})
     RETURNING id`;

  let deviceId = 0;
  let groupId = 0;
  let templateId = 0;
  let runId = 0;

  beforeAll(async () => {
    deviceId = idOf(await sql(device('base', 'dc1')));
    groupId = idOf(await sql(`INSERT INTO device_groups (name) VALUES ('core') RETURNING id`));
    templateId = idOf(
      await sql(
        `INSERT INTO command_templates (name, body) VALUES ('t', 'show version') RETURNING id`,
      ),
    );
    runId = idOf(
      await sql(
        `INSERT INTO runs (device_id, template_id, command) VALUES ($1, $2, 'show version') RETURNING id`,
        [deviceId, templateId],
      ),
    );
  });

  it('fills the port from the protocol: 22 for ssh, 23 for telnet', async () => {
    const ssh = await sql(
      `INSERT INTO devices (hostname, ip, username, cred_ref) VALUES ('p1', '10.0.0.2', 'u', 'X') RETURNING port, protocol, platform, tags, metadata`,
    );
    expect(ssh.rows[0]).toEqual({
      port: 22,
      protocol: 'ssh',
      platform: 'generic',
      tags: {},
      metadata: {},
    });
    const telnet = await sql(
      `INSERT INTO devices (hostname, ip, username, cred_ref, protocol) VALUES ('p2', '10.0.0.3', 'u', 'X', 'telnet') RETURNING port`,
    );
    expect(telnet.rows[0]).toEqual({ port: 23 });
  });

  it('refuses a duplicate hostname at one site, and at no site (NULLs equal)', async () => {
    await refused(device('base', 'dc1'), [], '23505', 'devices_hostname_site_key');
    await sql(device('nosite', null));
    await refused(device('nosite', null), [], '23505', 'devices_hostname_site_key');
    // The same hostname at another site is fine.
    await sql(device('base', 'dc2'));
  });

  it('refuses bad enums, ports and JSON shapes', async () => {
    await refused(device('e1', 'x', "protocol='ftp'"), [], '23514', 'devices_protocol_check');
    await refused(device('e2', 'x', "platform='ios'"), [], '23514', 'devices_platform_check');
    await refused(device('e3', 'x', 'port=0'), [], '23514', 'devices_port_check');
    await refused(device('e4', 'x', 'port=65536'), [], '23514', 'devices_port_check');
    await refused(device('e5', 'x', `tags='[1]'`), [], '23514', 'devices_tags_check');
    await refused(device('e6', 'x', `metadata='"s"'`), [], '23514', 'devices_metadata_check');
    await refused(
      `INSERT INTO devices (hostname, ip, username, cred_ref) VALUES ('e7', 'not-an-ip', 'u', 'X')`,
      [],
      '22P02',
    );
    await refused(
      `INSERT INTO device_groups (name, tags) VALUES ('g-bad', '[]')`,
      [],
      '23514',
      'device_groups_tags_check',
    );
    await refused(
      `INSERT INTO command_templates (name, body, mode) VALUES ('m', 'x', 'write')`,
      [],
      '23514',
      'command_templates_mode_check',
    );
    await refused(
      `INSERT INTO command_templates (name, body, variables) VALUES ('v', 'x', '"x"')`,
      [],
      '23514',
      'command_templates_variables_check',
    );
    await refused(
      `INSERT INTO users (email, password_hash, role) VALUES ('a@b.c', 'h', 'root')`,
      [],
      '23514',
      'users_role_check',
    );
  });

  it('refuses missing required fields', async () => {
    await refused(
      `INSERT INTO devices (ip, username, cred_ref) VALUES ('10.0.0.1', 'u', 'X')`,
      [],
      '23502',
    );
    await refused(
      `INSERT INTO devices (hostname, username, cred_ref) VALUES ('h', 'u', 'X')`,
      [],
      '23502',
    );
    await refused(
      `INSERT INTO devices (hostname, ip, cred_ref) VALUES ('h', '10.0.0.1', 'X')`,
      [],
      '23502',
    );
    await refused(
      `INSERT INTO devices (hostname, ip, username) VALUES ('h', '10.0.0.1', 'u')`,
      [],
      '23502',
    );
    await refused(`INSERT INTO runs (device_id) VALUES ($1)`, [deviceId], '23502');
  });

  it('refuses a duplicate membership and a duplicate template name', async () => {
    await sql(`INSERT INTO device_group_memberships (device_id, group_id) VALUES ($1, $2)`, [
      deviceId,
      groupId,
    ]);
    await refused(
      `INSERT INTO device_group_memberships (device_id, group_id, role) VALUES ($1, $2, 'primary')`,
      [deviceId, groupId],
      '23505',
      'device_group_memberships_device_group_key',
    );
    await refused(
      `INSERT INTO device_group_memberships (device_id, group_id, role) VALUES ($1, $2, 'owner')`,
      [deviceId, groupId],
      '23514',
      'device_group_memberships_role_check',
    );
    await refused(
      `INSERT INTO command_templates (name, body) VALUES ('t', 'other')`,
      [],
      '23505',
      'command_templates_name_key',
    );
  });

  it('checks runs: status and reason enums, bytes and seq never negative, unique (run, seq)', async () => {
    await refused(`UPDATE runs SET bytes = -1 WHERE id = $1`, [runId], '23514', 'runs_bytes_check');
    await refused(
      `INSERT INTO runs (device_id, command, status) VALUES ($1, 'x', 'done')`,
      [deviceId],
      '23514',
      'runs_status_check',
    );
    await refused(
      `INSERT INTO runs (device_id, command, status, error_reason, finished_at) VALUES ($1, 'x', 'error', 'oops', now())`,
      [deviceId],
      '23514',
      'runs_error_reason_check',
    );
    await refused(
      `INSERT INTO runs (device_id, command, status, finished_at) VALUES ($1, 'x', 'error', now())`,
      [deviceId],
      '23514',
      'runs_error_reason_check_status',
    );
    await refused(
      `INSERT INTO run_chunks (run_id, seq, data) VALUES ($1, -1, 'x')`,
      [runId],
      '23514',
      'run_chunks_seq_check',
    );
    await sql(`INSERT INTO run_chunks (run_id, seq, data) VALUES ($1, 0, 'x')`, [runId]);
    await refused(
      `INSERT INTO run_chunks (run_id, seq, data) VALUES ($1, 0, 'y')`,
      [runId],
      '23505',
      'run_chunks_pkey',
    );
  });

  it('allows only pending -> running -> ok|error and pending -> error', async () => {
    const id = idOf(
      await sql(`INSERT INTO runs (device_id, command) VALUES ($1, 'x') RETURNING id`, [deviceId]),
    );
    await refused(
      `UPDATE runs SET status = 'ok', finished_at = now() WHERE id = $1`,
      [id],
      '23514',
      'runs_status_transition',
    );
    await sql(`UPDATE runs SET status = 'running', started_at = now() WHERE id = $1`, [id]);
    await refused(
      `UPDATE runs SET status = 'pending' WHERE id = $1`,
      [id],
      '23514',
      'runs_status_transition',
    );
    await sql(`UPDATE runs SET status = 'ok', finished_at = now() WHERE id = $1`, [id]);
    await refused(
      `UPDATE runs SET status = 'error', error_reason = 'canceled' WHERE id = $1`,
      [id],
      '23514',
      'runs_status_transition',
    );
  });

  it('keeps history: a device with runs cannot be deleted (RESTRICT)', async () => {
    await refused(`DELETE FROM devices WHERE id = $1`, [deviceId], '23001', 'runs_device_id_fkey');
  });

  it('sets runs.template to NULL when its template goes', async () => {
    await sql(`DELETE FROM command_templates WHERE id = $1`, [templateId]);
    const run = await sql(`SELECT template_id FROM runs WHERE id = $1`, [runId]);
    expect(run.rows[0]).toEqual({ template_id: null });
  });

  it('cascades: memberships go with their device or group, chunks with their run', async () => {
    const d = idOf(await sql(device('cascade', 'dc9')));
    await sql(`INSERT INTO device_group_memberships (device_id, group_id) VALUES ($1, $2)`, [
      d,
      groupId,
    ]);
    await sql(`DELETE FROM devices WHERE id = $1`, [d]);
    expect(
      (
        await sql(`SELECT count(*)::int AS n FROM device_group_memberships WHERE device_id = $1`, [
          d,
        ])
      ).rows[0],
    ).toEqual({ n: 0 });

    await sql(`DELETE FROM device_groups WHERE id = $1`, [groupId]);
    expect((await sql(`SELECT count(*)::int AS n FROM device_group_memberships`)).rows[0]).toEqual({
      n: 0,
    });

    await sql(
      `UPDATE runs SET status = 'error', error_reason = 'canceled', finished_at = now() WHERE id = $1`,
      [runId],
    );
    await sql(`DELETE FROM runs WHERE id = $1`, [runId]);
    expect(
      (await sql(`SELECT count(*)::int AS n FROM run_chunks WHERE run_id = $1`, [runId])).rows[0],
    ).toEqual({ n: 0 });
  });

  it('treats e-mail addresses as unique without regard to case', async () => {
    await sql(`INSERT INTO users (email, password_hash) VALUES ('Ops@Example.net', 'h')`);
    await refused(
      `INSERT INTO users (email, password_hash) VALUES ('ops@example.NET', 'h')`,
      [],
      '23505',
      'users_email_key',
    );
  });
});
