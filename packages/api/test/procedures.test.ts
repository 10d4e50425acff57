import { observeStatements } from '@netauto/db';
import type { TRPCError } from '@trpc/server';
import { describe, expect, it } from 'vitest';
import { useApi } from './api.js';
import { errorOf } from './refusals.js';

/** The fieldErrors the error formatter would send. */
function fieldsOf(error: TRPCError): string[] {
  const cause = error.cause as {
    fieldErrors?: Record<string, string[]>;
    issues?: { path: PropertyKey[] }[];
  };
  if (cause.fieldErrors) return Object.keys(cause.fieldErrors);
  return (cause.issues ?? []).map((i) => i.path.map(String).join('.'));
}

describe('inventory procedures', async () => {
  const api = await useApi();
  const op = await api.signedIn('operator', 'op@example.net');
  const viewer = await api.signedIn('viewer');

  it('creates, reads, updates, lists and deletes a device, auditing each change', async () => {
    const d = await op.caller.devices.create({
      hostname: 'api-r1',
      ip: '192.0.2.1',
      username: 'netops',
      credRef: 'env:LAB',
      platform: 'cisco_ios',
      site: 'dc1',
    });
    expect(d).toMatchObject({ hostname: 'api-r1', port: 22, platform: 'cisco_ios' });
    expect(await viewer.caller.devices.byId({ id: d.id })).toMatchObject({
      hostname: 'api-r1',
      groups: [],
    });
    const page = await viewer.caller.devices.list({ site: 'dc1', q: 'api-r' });
    expect(page.items.map((x) => x.id)).toEqual([d.id]);
    expect((await op.caller.devices.update({ id: d.id, patch: { vendor: 'Cisco' } })).vendor).toBe(
      'Cisco',
    );
    await op.caller.devices.delete({ id: d.id });

    const audit = await viewer.caller.audit.list({ targetType: 'device', targetId: String(d.id) });
    expect(audit.items.map((e) => e.action)).toEqual([
      'devices.delete',
      'devices.update',
      'devices.create',
    ]);
    expect(audit.items[0]).toMatchObject({ actorEmail: 'op@example.net', actorId: op.user.id });
  });

  it('answers BAD_REQUEST naming the field, CONFLICT, NOT_FOUND and PRECONDITION_FAILED', async () => {
    const bad = await errorOf(
      op.caller.devices.create({
        hostname: 'p',
        ip: '192.0.2.9',
        username: 'u',
        credRef: 'X',
        port: 70000,
      }),
    );
    expect(bad.code).toBe('BAD_REQUEST');
    expect(fieldsOf(bad)).toEqual(['port']);

    await op.caller.devices.create({
      hostname: 'dup',
      ip: '192.0.2.2',
      username: 'u',
      credRef: 'X',
    });
    const dup = await errorOf(
      op.caller.devices.create({ hostname: 'dup', ip: '192.0.2.3', username: 'u', credRef: 'X' }),
    );
    expect([dup.code, dup.message]).toEqual([
      'CONFLICT',
      'a device with this hostname already exists at this site',
    ]);

    expect((await errorOf(viewer.caller.devices.byId({ id: 9999 }))).code).toBe('NOT_FOUND');

    const d = await api.make.device();
    await op.caller.runs.create({ deviceId: d.id, command: 'show clock' });
    expect((await errorOf(op.caller.devices.delete({ id: d.id }))).code).toBe(
      'PRECONDITION_FAILED',
    );
  });

  it('refuses NUL characters anywhere, keys of metadata included', async () => {
    const base = { hostname: 'nul', ip: '192.0.2.77', username: 'u', credRef: 'X' };
    for (const bad of [
      { metadata: { 'a\u0000': 1 } },
      { metadata: { a: 'x\u0000' } },
      { vendor: 'a\u0000' },
    ]) {
      expect((await errorOf(op.caller.devices.create({ ...base, ...bad }))).code).toBe(
        'BAD_REQUEST',
      );
    }
  });

  it('writes no audit event when the change fails', async () => {
    const before = (await viewer.caller.audit.list({ action: 'devices.create', limit: 100 })).items
      .length;
    await errorOf(
      op.caller.devices.create({ hostname: 'dup', ip: '192.0.2.3', username: 'u', credRef: 'X' }),
    );
    const after = (await viewer.caller.audit.list({ action: 'devices.create', limit: 100 })).items
      .length;
    expect(after).toBe(before);
  });

  it('rolls back the change when its audit event cannot be written', async () => {
    // Make audit writes fail inside the transaction, then try a change.
    await api.db.sequelize.query(
      `ALTER TABLE audit_events ADD CONSTRAINT audit_events_block CHECK (action <> 'groups.create') NOT VALID`,
    );
    try {
      await expect(op.caller.groups.create({ name: 'never-stored' })).rejects.toThrow();
      expect((await viewer.caller.groups.list({ q: 'never-stored' })).length).toBe(0);
    } finally {
      await api.db.sequelize.query(`ALTER TABLE audit_events DROP CONSTRAINT audit_events_block`);
    }
  });

  it('imports many devices all or nothing, with per-row errors', async () => {
    const rows = [
      { hostname: 'imp1', ip: '192.0.2.101', username: 'u', credRef: 'X' },
      { hostname: 'imp2', ip: 'bad', username: 'u', credRef: 'X' },
    ];
    const error = await errorOf(op.caller.devices.import({ devices: rows }));
    expect(error.code).toBe('BAD_REQUEST');
    expect(fieldsOf(error)).toEqual(['rows.1.ip']);
    expect((await viewer.caller.devices.list({ q: 'imp1' })).items).toEqual([]);
    const ok = await op.caller.devices.import({
      devices: [rows[0], { ...rows[1], ip: '192.0.2.102' }],
    });
    expect(ok).toMatchObject({ created: 2, updated: 0 });
  });

  it('manages groups and members', async () => {
    const g = await op.caller.groups.create({ name: 'wan' });
    const d = await api.make.device();
    await op.caller.groups.members.add({ groupId: g.id, deviceId: d.id });
    const dup = await errorOf(op.caller.groups.members.add({ groupId: g.id, deviceId: d.id }));
    expect([dup.code, dup.message]).toEqual(['CONFLICT', 'device already added to this group']);
    await op.caller.groups.members.update({ groupId: g.id, deviceId: d.id, role: 'primary' });
    expect((await viewer.caller.groups.byId({ id: g.id })).members.map((m) => m.role)).toEqual([
      'primary',
    ]);
    expect((await viewer.caller.groups.members.list({ groupId: g.id })).length).toBe(1);
    expect(
      (await viewer.caller.devices.byId({ id: d.id })).groups.map((x) => x.group.name),
    ).toEqual(['wan']);
    await op.caller.groups.members.remove({ groupId: g.id, deviceId: d.id });
    await op.caller.groups.update({ id: g.id, patch: { description: 'WAN edge' } });
    await op.caller.groups.delete({ id: g.id });
    expect((await errorOf(viewer.caller.groups.byId({ id: g.id }))).code).toBe('NOT_FOUND');
  });
});

describe('templates and runs procedures', async () => {
  const api = await useApi();
  const op = await api.signedIn('operator', 'runner@example.net');
  const viewer = await api.signedIn('viewer');
  const device = await api.make.device();

  it('renders a template preview and refuses bad variables, naming them', async () => {
    const t = await op.caller.templates.create({
      name: 'shut',
      body: 'interface {{ ifname }}\n shutdown',
      mode: 'change',
      variables: { ifname: { type: 'string', pattern: '[A-Za-z]+[0-9/.]+' } },
    });
    expect(
      await viewer.caller.templates.render({ templateId: t.id, variables: { ifname: 'Gi0/1' } }),
    ).toEqual({
      command: 'interface Gi0/1\n shutdown',
      mode: 'change',
      platform: 'generic',
    });
    for (const [variables, field] of [
      [{}, 'variables.ifname'],
      [{ ifname: 'Gi0/1\nreload' }, 'variables.ifname'],
      [{ ifname: 'x' }, 'variables.ifname'],
      [{ ifname: 'Gi0/1', other: 'x' }, 'variables.other'],
    ] as const) {
      const error = await errorOf(viewer.caller.templates.render({ templateId: t.id, variables }));
      expect(error.code).toBe('BAD_REQUEST');
      expect(fieldsOf(error)).toEqual([field]);
    }
  });

  it('creates a pending run from a command or a template, marks change runs, and cancels', async () => {
    const run = await op.caller.runs.create({ deviceId: device.id, command: 'show version' });
    expect(run).toMatchObject({
      status: 'pending',
      mode: 'read',
      requestedByEmail: 'runner@example.net',
    });
    const t = await op.caller.templates.create({
      name: 'desc',
      body: 'interface {{ i }}\n description {{ d }}',
      mode: 'change',
      variables: {
        i: { type: 'string' },
        d: { type: 'string', required: false, default: 'uplink' },
      },
    });
    const fromTemplate = await op.caller.runs.create({
      deviceId: device.id,
      templateId: t.id,
      variables: { i: 'Gi0/2' },
    });
    expect(fromTemplate).toMatchObject({
      templateId: t.id,
      mode: 'change',
      command: 'interface Gi0/2\n description uplink',
    });

    const detail = await viewer.caller.runs.byId({ id: fromTemplate.id });
    expect(detail.device?.id).toBe(device.id);
    expect(detail.template?.name).toBe('desc');
    expect((await viewer.caller.runs.list({ deviceId: device.id })).items.map((r) => r.id)).toEqual(
      [fromTemplate.id, run.id],
    );
    expect(await viewer.caller.runs.chunks({ runId: run.id })).toEqual([]);
    expect(await viewer.caller.runs.output({ id: run.id })).toEqual({ text: '' });

    const canceled = await op.caller.runs.cancel({ id: run.id });
    expect(canceled).toMatchObject({ status: 'error', errorReason: 'canceled' });
    // Its job left the queue with it.
    expect(
      await api.db.rows(`SELECT id FROM graphile_worker.jobs WHERE key = $1`, [`run:${run.id}`]),
    ).toEqual([]);
    expect((await errorOf(op.caller.runs.cancel({ id: run.id }))).code).toBe('PRECONDITION_FAILED');

    await op.caller.templates.update({ id: t.id, patch: { enabled: false } });
    expect(
      (
        await errorOf(
          op.caller.runs.create({ deviceId: device.id, templateId: t.id, variables: { i: 'x' } }),
        )
      ).code,
    ).toBe('PRECONDITION_FAILED');
    const audit = await viewer.caller.audit.list({ action: 'runs.create' });
    expect(audit.items.every((e) => e.actorEmail === 'runner@example.net')).toBe(true);
    expect(audit.items).toHaveLength(2);
  });

  it('a status subscription to a missing run is NOT_FOUND, not an internal error', async () => {
    const events = await viewer.caller.runs.onStatus({ id: 987_654 });
    const error = await (async () => {
      for await (const _ of events) return undefined;
      return undefined;
    })().catch((e: unknown) => e as TRPCError);
    expect(error?.code).toBe('NOT_FOUND');
  });

  it('refuses a run on a missing device or template', async () => {
    const missing = await errorOf(op.caller.runs.create({ deviceId: 99999, command: 'x' }));
    expect(missing.code).toBe('NOT_FOUND');
    expect(missing.message).toMatch(/device 99999/);
    expect(
      (await errorOf(op.caller.runs.create({ deviceId: device.id, templateId: 99999 }))).code,
    ).toBe('NOT_FOUND');
  });

  it('runs asked for together are recorded together; one refused leaves the others', async () => {
    const other = await api.make.device();
    const asked = [
      { deviceId: device.id, command: 'show ip route' },
      { deviceId: 99999, command: 'show ip route' },
      { deviceId: other.id, command: 'show ip route' },
    ];
    const results = await Promise.allSettled(asked.map((input) => op.caller.runs.create(input)));
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    const runs = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    expect(runs.map((r) => [r.deviceId, r.status])).toEqual([
      [device.id, 'pending'],
      [other.id, 'pending'],
    ]);
    const refused = results[1];
    expect(refused?.status === 'rejected' && (refused.reason as TRPCError).code).toBe('NOT_FOUND');
    // Each run has its audit event with who asked for it.
    const audit = await viewer.caller.audit.list({ action: 'runs.create', limit: 100 });
    for (const run of runs) {
      expect(audit.items.find((e) => e.targetId === String(run.id))?.actorEmail).toBe(
        'runner@example.net',
      );
    }
    // Together again, all good: one statement, each caller its own run.
    const inserts: string[] = [];
    const stop = observeStatements(api.db.sequelize, (sql) => {
      if (sql.includes('INSERT INTO runs')) inserts.push(sql);
    });
    const again = await Promise.all(
      [device.id, other.id].map((deviceId) =>
        op.caller.runs.create({ deviceId, command: 'show clock' }),
      ),
    );
    stop();
    expect(again.map((r) => r.deviceId)).toEqual([device.id, other.id]);
    expect(new Set(again.map((r) => r.id)).size).toBe(2);
    expect(inserts).toHaveLength(1);
  });
});

describe('template values written for each platform', async () => {
  const api = await useApi();
  const op = await api.signedIn('operator');
  const viewer = await api.signedIn('viewer');
  const linux = await api.make.device({ platform: 'linux' });
  const linux2 = await api.make.device({ platform: 'linux' });
  const ios = await api.make.device({ platform: 'cisco_ios' });
  const echo = await op.caller.templates.create({
    name: 'echo',
    body: 'echo {{message}}',
    variables: { message: { type: 'string' } },
  });

  it('previews the command for a platform or a device: quoted for a shell', async () => {
    const variables = { message: 'a; touch /tmp/x' };
    expect(
      await viewer.caller.templates.render({ templateId: echo.id, variables, platform: 'linux' }),
    ).toEqual({ command: "echo 'a; touch /tmp/x'", mode: 'read', platform: 'linux' });
    expect(
      await viewer.caller.templates.render({ templateId: echo.id, variables, deviceId: linux.id }),
    ).toEqual({ command: "echo 'a; touch /tmp/x'", mode: 'read', platform: 'linux' });
    const error = await errorOf(
      viewer.caller.templates.render({ templateId: echo.id, variables, deviceId: ios.id }),
    );
    expect(error.code).toBe('BAD_REQUEST');
    expect(fieldsOf(error)).toEqual(['variables.message']);
    expect(
      (
        await errorOf(
          viewer.caller.templates.render({
            templateId: echo.id,
            variables,
            deviceId: ios.id,
            platform: 'linux',
          }),
        )
      ).code,
    ).toBe('BAD_REQUEST');
  });

  it('a run of a template is written for its device', async () => {
    const run = await op.caller.runs.create({
      deviceId: linux.id,
      templateId: echo.id,
      variables: { message: "it's a test" },
    });
    expect(run.command).toBe("echo 'it'\\''s a test'");
    const error = await errorOf(
      op.caller.runs.create({
        deviceId: ios.id,
        templateId: echo.id,
        variables: { message: 'x | redirect tftp://192.0.2.1/x' },
      }),
    );
    expect(error.code).toBe('BAD_REQUEST');
    expect(fieldsOf(error)).toEqual(['variables.message']);
  });

  it('a bulk over mixed platforms gives each device its own platform’s command', async () => {
    const bulk = await op.caller.bulks.create({
      target: { type: 'devices', deviceIds: [linux.id, ios.id, linux2.id] },
      templateId: echo.id,
      variables: { message: 'hello world' },
    });
    // The same text is written differently: quoted for the shell, as it is for IOS.
    expect(bulk.command).toBeNull();
    const runs = (await viewer.caller.runs.list({ bulkId: bulk.id })).items;
    expect(Object.fromEntries(runs.map((r) => [r.deviceId, r.command]))).toEqual({
      [linux.id]: "echo 'hello world'",
      [linux2.id]: "echo 'hello world'",
      [ios.id]: 'echo hello world',
    });

    // A plain word is the same everywhere: one command for the bulk.
    const plain = await op.caller.bulks.create({
      target: { type: 'devices', deviceIds: [linux.id, ios.id] },
      templateId: echo.id,
      variables: { message: 'hello' },
    });
    expect(plain.command).toBe('echo hello');

    // Refused for the IOS device: nothing of the bulk is kept.
    const before = (await viewer.caller.bulks.list({})).items.length;
    const error = await errorOf(
      op.caller.bulks.create({
        target: { type: 'devices', deviceIds: [linux.id, ios.id] },
        templateId: echo.id,
        variables: { message: 'a; reload' },
      }),
    );
    expect(error.code).toBe('BAD_REQUEST');
    expect(fieldsOf(error)).toEqual(['variables.message']);
    expect((await viewer.caller.bulks.list({})).items).toHaveLength(before);

    // Only shells in the target: quoted, and run.
    const shells = await op.caller.bulks.create({
      target: { type: 'filter', filter: { platform: 'linux' } },
      templateId: echo.id,
      variables: { message: 'a; reload' },
    });
    expect(shells.command).toBe("echo 'a; reload'");
    expect(shells.total).toBe(2);
  });
});
