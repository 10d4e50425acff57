import { type Database, repositories } from '@netauto/db';
import type {
  Group,
  GroupCreate,
  GroupMember,
  GroupPatch,
  GroupWithMembers,
  Membership,
  MembershipAdd,
  MembershipRole,
} from '@netauto/schema';
import { actorOf, audited } from '../audit/audit.js';
import type { Identity } from '../context.js';

export class GroupsService {
  constructor(private readonly db: Database) {}

  list(q?: string): Promise<Group[]> {
    return repositories(this.db).groups.list(q === undefined ? {} : { q });
  }

  byId(id: number): Promise<GroupWithMembers> {
    return repositories(this.db).groups.getWithMembers(id);
  }

  members(groupId: number): Promise<GroupMember[]> {
    return repositories(this.db)
      .groups.get(groupId)
      .then(() => repositories(this.db).groups.members(groupId));
  }

  create(actor: Identity, input: GroupCreate): Promise<Group> {
    return audited(
      this.db,
      actorOf(actor),
      'groups.create',
      (repos) => repos.groups.create(input),
      (g) => ({ type: 'group', id: g.id, summary: { name: g.name } }),
    );
  }

  update(actor: Identity, id: number, patch: GroupPatch): Promise<Group> {
    return audited(
      this.db,
      actorOf(actor),
      'groups.update',
      (repos) => repos.groups.update(id, patch),
      (g) => ({ type: 'group', id: g.id, summary: { name: g.name, changed: patch } }),
    );
  }

  delete(actor: Identity, id: number): Promise<Group> {
    return audited(
      this.db,
      actorOf(actor),
      'groups.delete',
      (repos) => repos.groups.delete(id),
      (g) => ({ type: 'group', id: g.id, summary: { name: g.name, members: g.memberCount } }),
    );
  }

  addMember(actor: Identity, input: MembershipAdd): Promise<Membership> {
    return audited(
      this.db,
      actorOf(actor),
      'groups.members.add',
      (repos) => repos.groups.addMember(input),
      (m) => ({ type: 'group', id: m.groupId, summary: { deviceId: m.deviceId, role: m.role } }),
    );
  }

  updateMember(
    actor: Identity,
    groupId: number,
    deviceId: number,
    role: MembershipRole,
  ): Promise<Membership> {
    return audited(
      this.db,
      actorOf(actor),
      'groups.members.update',
      (repos) => repos.groups.setMemberRole(groupId, deviceId, role),
      (m) => ({ type: 'group', id: m.groupId, summary: { deviceId: m.deviceId, role: m.role } }),
    );
  }

  removeMember(actor: Identity, groupId: number, deviceId: number): Promise<Membership> {
    return audited(
      this.db,
      actorOf(actor),
      'groups.members.remove',
      (repos) => repos.groups.removeMember(groupId, deviceId),
      (m) => ({ type: 'group', id: m.groupId, summary: { deviceId: m.deviceId } }),
    );
  }
}
