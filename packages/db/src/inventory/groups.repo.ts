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
import { DeviceGroup, DeviceGroupMembership } from '../models/index.js';
import {
  containsPattern,
  guarded,
  iso,
  parseInput,
  select,
  selectOne,
  type Executor,
} from '../sql.js';
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

function fromMembershipModel(m: DeviceGroupMembership): Membership {
  return toMembership({
    deviceId: m.deviceId,
    groupId: m.groupId,
    role: m.role,
    mCreatedAt: m.createdAt,
    mUpdatedAt: m.updatedAt,
  });
}

const MEMBERSHIP_COLUMNS = `m.device_id AS "deviceId", m.group_id AS "groupId", m.role,
  m.created_at AS "mCreatedAt", m.updated_at AS "mUpdatedAt"`;

const MEMBER_COUNT = `(SELECT count(*)::int FROM device_group_memberships c WHERE c.group_id = g.id) AS "memberCount"`;

/**
 * Groups and memberships. Writes go through the models; reads stay SQL, each one
 * statement with the member count (or the member devices) in it.
 */
export class GroupsRepo {
  constructor(private readonly ex: Executor) {}

  private get groups() {
    return this.ex.sequelize.getRepository(DeviceGroup);
  }

  private get memberships() {
    return this.ex.sequelize.getRepository(DeviceGroupMembership);
  }

  private get transaction() {
    return this.ex.transaction ?? null;
  }

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
    const row = await guarded(
      this.groups.create(
        {
          name: g.name,
          description: g.description ?? null,
          site: g.site ?? null,
          tags: g.tags,
          metadata: g.metadata,
        },
        { transaction: this.transaction },
      ),
    );
    return toGroup(row);
  }

  async update(id: number, patch: GroupPatch): Promise<Group> {
    const p = parseInput(GroupPatch, patch, 'patch');
    const [count] = await guarded(
      this.groups.update(
        {
          ...(p.name !== undefined && { name: p.name }),
          ...(p.description !== undefined && { description: p.description }),
          ...(p.site !== undefined && { site: p.site }),
          ...(p.tags !== undefined && { tags: p.tags }),
          ...(p.metadata !== undefined && { metadata: p.metadata }),
        },
        { where: { id }, transaction: this.transaction },
      ),
    );
    if (count === 0) throw new NotFoundError('group', id);
    return this.get(id);
  }

  /** Deletes a group; its memberships go with it, its devices stay. */
  async delete(id: number): Promise<Group> {
    const group = await this.get(id);
    await guarded(this.groups.destroy({ where: { id }, transaction: this.transaction }));
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
    const row = await guarded(
      this.memberships.create(
        { groupId: m.groupId, deviceId: m.deviceId, role: m.role },
        { transaction: this.transaction },
      ),
    );
    return fromMembershipModel(row);
  }

  async setMemberRole(
    groupId: number,
    deviceId: number,
    role: MembershipRole,
  ): Promise<Membership> {
    const r = parseInput(MembershipRole, role, 'role');
    const [, rows] = await guarded(
      this.memberships.update(
        { role: r },
        { where: { groupId, deviceId }, returning: true, transaction: this.transaction },
      ),
    );
    const row = rows[0];
    if (!row) throw new NotFoundError('membership', `of device ${deviceId} in group ${groupId}`);
    return fromMembershipModel(row);
  }

  async removeMember(groupId: number, deviceId: number): Promise<Membership> {
    return guarded(async () => {
      const row = await this.memberships.findOne({
        where: { groupId, deviceId },
        transaction: this.transaction,
      });
      if (!row) {
        throw new NotFoundError('membership', `of device ${deviceId} in group ${groupId}`);
      }
      await row.destroy({ transaction: this.transaction });
      return fromMembershipModel(row);
    });
  }
}
