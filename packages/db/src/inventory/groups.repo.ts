import {
  GroupCreate,
  GroupPatch,
  MembershipAdd,
  MembershipRole,
  type DeviceGroupLink,
  type Group,
  type GroupMember,
  type GroupWithMembers,
  type Membership,
} from '@netauto/schema';
import { NotFoundError } from '../errors.js';
import { containsPattern, iso, parseInput, select, selectOne, type Executor } from '../sql.js';
import { DEVICE_COLUMNS, toDevice, type DeviceRow } from './devices.repo.js';

const GROUP_COLUMNS = `g.id, g.name, g.description, g.site, g.tags, g.metadata,
  g.created_at AS "createdAt", g.updated_at AS "updatedAt"`;

interface GroupRow extends Omit<Group, 'createdAt' | 'updatedAt' | 'memberCount'> {
  memberCount?: number;
  createdAt: Date;
  updatedAt: Date;
}

interface MembershipRow {
  deviceId: number;
  groupId: number;
  role: MembershipRole;
  mCreatedAt: Date;
  mUpdatedAt: Date;
}

function toGroup(row: GroupRow): Group {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    site: row.site,
    tags: row.tags,
    metadata: row.metadata,
    memberCount: row.memberCount ?? 0,
    createdAt: iso(row.createdAt),
    updatedAt: iso(row.updatedAt),
  };
}

function toMembership(row: MembershipRow): Membership {
  return {
    deviceId: row.deviceId,
    groupId: row.groupId,
    role: row.role,
    createdAt: iso(row.mCreatedAt),
    updatedAt: iso(row.mUpdatedAt),
  };
}

const MEMBERSHIP_COLUMNS = `m.device_id AS "deviceId", m.group_id AS "groupId", m.role,
  m.created_at AS "mCreatedAt", m.updated_at AS "mUpdatedAt"`;

const MEMBER_COUNT = `(SELECT count(*)::int FROM device_group_memberships c WHERE c.group_id = g.id) AS "memberCount"`;

export class GroupsRepo {
  constructor(private readonly ex: Executor) {}

  async list(options: { q?: string } = {}): Promise<Group[]> {
    const bind: unknown[] = [];
    let where = '';
    if (options.q) {
      bind.push(containsPattern(options.q));
      where = 'WHERE g.name ILIKE $1 OR g.description ILIKE $1';
    }
    const rows = await select<GroupRow>(
      this.ex,
      `SELECT ${GROUP_COLUMNS}, ${MEMBER_COUNT} FROM device_groups g ${where} ORDER BY g.name`,
      bind,
    );
    return rows.map(toGroup);
  }

  async get(id: number): Promise<Group> {
    const row = await selectOne<GroupRow>(
      this.ex,
      `SELECT ${GROUP_COLUMNS}, ${MEMBER_COUNT} FROM device_groups g WHERE g.id = $1`,
      [id],
    );
    if (!row) throw new NotFoundError('group', id);
    return toGroup(row);
  }

  async findByName(name: string): Promise<Group | undefined> {
    const row = await selectOne<GroupRow>(
      this.ex,
      `SELECT ${GROUP_COLUMNS}, ${MEMBER_COUNT} FROM device_groups g WHERE g.name = $1`,
      [name],
    );
    return row && toGroup(row);
  }

  /** A group with every member device (preloaded), primary members first. */
  async getWithMembers(id: number): Promise<GroupWithMembers> {
    const group = await this.get(id);
    return { ...group, members: await this.members(id) };
  }

  async create(input: GroupCreate): Promise<Group> {
    const g = parseInput(GroupCreate, input);
    const row = await selectOne<GroupRow>(
      this.ex,
      `INSERT INTO device_groups AS g (name, description, site, tags, metadata)
       VALUES ($1, $2, $3, $4::jsonb, $5::jsonb) RETURNING ${GROUP_COLUMNS}`,
      [
        g.name,
        g.description ?? null,
        g.site ?? null,
        JSON.stringify(g.tags),
        JSON.stringify(g.metadata),
      ],
    );
    return toGroup(row as GroupRow);
  }

  async update(id: number, patch: GroupPatch): Promise<Group> {
    const p = parseInput(GroupPatch, patch, 'patch');
    const sets: string[] = [];
    const bind: unknown[] = [id];
    const set = (column: string, value: unknown, cast = '') => {
      bind.push(value);
      sets.push(`${column} = $${bind.length}${cast}`);
    };
    if (p.name !== undefined) set('name', p.name);
    if (p.description !== undefined) set('description', p.description);
    if (p.site !== undefined) set('site', p.site);
    if (p.tags !== undefined) set('tags', JSON.stringify(p.tags), '::jsonb');
    if (p.metadata !== undefined) set('metadata', JSON.stringify(p.metadata), '::jsonb');
    sets.push('updated_at = now()');
    const row = await selectOne<{ id: number }>(
      this.ex,
      `UPDATE device_groups SET ${sets.join(', ')} WHERE id = $1 RETURNING id`,
      bind,
    );
    if (!row) throw new NotFoundError('group', id);
    return this.get(id);
  }

  /** Deletes a group; its memberships go with it, its devices stay. */
  async delete(id: number): Promise<Group> {
    const group = await this.get(id);
    await select(this.ex, 'DELETE FROM device_groups WHERE id = $1 RETURNING id', [id]);
    return group;
  }

  async members(groupId: number): Promise<GroupMember[]> {
    const rows = await select<DeviceRow & MembershipRow>(
      this.ex,
      `SELECT ${DEVICE_COLUMNS}, ${MEMBERSHIP_COLUMNS}
       FROM device_group_memberships m JOIN devices d ON d.id = m.device_id
       WHERE m.group_id = $1
       ORDER BY m.role = 'primary' DESC, d.hostname, d.id`,
      [groupId],
    );
    return rows.map((r) => ({ ...toMembership(r), device: toDevice(r) }));
  }

  /** The groups a device belongs to, with its role in each. */
  async groupsOfDevice(deviceId: number): Promise<DeviceGroupLink[]> {
    const rows = await select<GroupRow & MembershipRow>(
      this.ex,
      `SELECT ${GROUP_COLUMNS}, ${MEMBERSHIP_COLUMNS}
       FROM device_group_memberships m JOIN device_groups g ON g.id = m.group_id
       WHERE m.device_id = $1 ORDER BY g.name`,
      [deviceId],
    );
    return rows.map((r) => {
      const { memberCount: _unused, ...group } = toGroup(r);
      return { ...toMembership(r), group };
    });
  }

  /** Adds a device to a group; a second add of the same pair is a conflict. */
  async addMember(input: MembershipAdd): Promise<Membership> {
    const m = parseInput(MembershipAdd, input);
    const row = await selectOne<MembershipRow>(
      this.ex,
      `INSERT INTO device_group_memberships AS m (group_id, device_id, role) VALUES ($1, $2, $3)
       RETURNING ${MEMBERSHIP_COLUMNS}`,
      [m.groupId, m.deviceId, m.role],
    );
    return toMembership(row as MembershipRow);
  }

  async setMemberRole(
    groupId: number,
    deviceId: number,
    role: MembershipRole,
  ): Promise<Membership> {
    const r = parseInput(MembershipRole, role, 'role');
    const row = await selectOne<MembershipRow>(
      this.ex,
      `UPDATE device_group_memberships AS m SET role = $3, updated_at = now()
       WHERE m.group_id = $1 AND m.device_id = $2 RETURNING ${MEMBERSHIP_COLUMNS}`,
      [groupId, deviceId, r],
    );
    if (!row) throw new NotFoundError('membership', `of device ${deviceId} in group ${groupId}`);
    return toMembership(row);
  }

  async removeMember(groupId: number, deviceId: number): Promise<Membership> {
    const row = await selectOne<MembershipRow>(
      this.ex,
      `DELETE FROM device_group_memberships AS m WHERE m.group_id = $1 AND m.device_id = $2
       RETURNING ${MEMBERSHIP_COLUMNS}`,
      [groupId, deviceId],
    );
    if (!row) throw new NotFoundError('membership', `of device ${deviceId} in group ${groupId}`);
    return toMembership(row);
  }
}
