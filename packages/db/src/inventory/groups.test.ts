import { describe, expect, it } from 'vitest';
import { useTestDatabase } from '../../test/db.js';
import { ConflictError, NotFoundError, ValidationError } from '../errors.js';

describe('groups and memberships', async () => {
  const { repos, make } = await useTestDatabase();
  const groups = repos.groups;

  it('creates, lists, renames and deletes a group', async () => {
    const g = await groups.create({ name: 'edge routers', site: 'dc1', tags: { tier: '1' } });
    expect(g).toMatchObject({
      name: 'edge routers',
      site: 'dc1',
      tags: { tier: '1' },
      memberCount: 0,
      description: null,
    });
    expect((await groups.list()).map((x) => x.name)).toContain('edge routers');
    expect((await groups.list({ q: 'EDGE' })).map((x) => x.id)).toEqual([g.id]);
    const renamed = await groups.update(g.id, { name: 'edge', description: 'all edges' });
    expect(renamed).toMatchObject({ name: 'edge', description: 'all edges', site: 'dc1' });
    await groups.delete(g.id);
    await expect(groups.get(g.id)).rejects.toThrow(NotFoundError);
  });

  it('refuses a duplicate name and an empty one', async () => {
    await make.group({ name: 'dups' });
    await expect(make.group({ name: 'dups' })).rejects.toThrow(
      new ConflictError('a group with this name already exists', ['name']),
    );
    await expect(groups.create({ name: '  ' })).rejects.toThrow(ValidationError);
  });

  it('adds members with roles, lists them both ways, changes a role and removes one', async () => {
    const g = await make.group();
    const [a, b] = [await make.device({ hostname: 'm-a' }), await make.device({ hostname: 'm-b' })];
    await groups.addMember({ groupId: g.id, deviceId: a.id });
    const mb = await groups.addMember({ groupId: g.id, deviceId: b.id, role: 'primary' });
    expect(mb).toMatchObject({ groupId: g.id, deviceId: b.id, role: 'primary' });

    const withMembers = await groups.getWithMembers(g.id);
    expect(withMembers.memberCount).toBe(2);
    // Primary members first, each with its device preloaded.
    expect(withMembers.members.map((m) => [m.device.hostname, m.role])).toEqual([
      ['m-b', 'primary'],
      ['m-a', 'member'],
    ]);

    const other = await make.group({ name: 'zz-other' });
    await groups.addMember({ groupId: other.id, deviceId: a.id });
    expect((await groups.groupsOfDevice(a.id)).map((l) => [l.group.name, l.role])).toEqual([
      [g.name, 'member'],
      ['zz-other', 'member'],
    ]);

    expect(await groups.setMemberRole(g.id, a.id, 'primary')).toMatchObject({ role: 'primary' });
    await groups.removeMember(g.id, a.id);
    expect((await groups.members(g.id)).map((m) => m.deviceId)).toEqual([b.id]);
    await expect(groups.removeMember(g.id, a.id)).rejects.toThrow(NotFoundError);
  });

  it('reports a duplicate membership as "device already added to this group"', async () => {
    const g = await make.group();
    const d = await make.device();
    await groups.addMember({ groupId: g.id, deviceId: d.id });
    await expect(
      groups.addMember({ groupId: g.id, deviceId: d.id, role: 'primary' }),
    ).rejects.toThrow(
      new ConflictError('device already added to this group', ['deviceId', 'groupId']),
    );
  });

  it('refuses a bad role and a missing device or group', async () => {
    const g = await make.group();
    const d = await make.device();
    await expect(
      groups.addMember({ groupId: g.id, deviceId: d.id, role: 'owner' as never }),
    ).rejects.toThrow(ValidationError);
    await expect(groups.addMember({ groupId: g.id, deviceId: 987_654 })).rejects.toThrow(
      new NotFoundError('device', '987654'),
    );
    await expect(groups.addMember({ groupId: 987_654, deviceId: d.id })).rejects.toThrow(
      NotFoundError,
    );
  });

  it('deleting a group removes its memberships and keeps its devices', async () => {
    const g = await make.group();
    const d = await make.device();
    await groups.addMember({ groupId: g.id, deviceId: d.id });
    await groups.delete(g.id);
    expect(await groups.groupsOfDevice(d.id)).toEqual([]);
    expect((await repos.devices.get(d.id)).id).toBe(d.id);
  });
});
