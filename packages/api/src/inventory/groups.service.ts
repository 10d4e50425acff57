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
import type { Store, Uses } from '../store.js';

/** What the groups service reads and writes. */
export type GroupsRepos = Uses<{
  groups:
    | 'list'
    | 'get'
    | 'getWithMembers'
    | 'members'
    | 'create'
    | 'update'
    | 'delete'
    | 'addMember'
    | 'setMemberRole'
    | 'removeMember';
  audit: 'record';
}>;

export class GroupsService {
  constructor(private readonly store: Store<GroupsRepos>) {}

  list(q?: string): Promise<Group[]> {
    return this.store.repos.groups.list(q === undefined ? {} : { q });
  }

  byId(id: number): Promise<GroupWithMembers> {
    return this.store.repos.groups.getWithMembers(id);
  }

  members(groupId: number): Promise<GroupMember[]> {
    const { groups } = this.store.repos;
    return groups.get(groupId).then(() => groups.members(groupId));
  }

  create(actor: Identity, input: GroupCreate): Promise<Group> {
    return audited(
      this.store,
      actorOf(actor),
      'groups.create',
      (repos) => repos.groups.create(input),
      (g) => ({ type: 'group', id: g.id, summary: { name: g.name } }),
    );
  }

  update(actor: Identity, id: number, patch: GroupPatch): Promise<Group> {
    return audited(
      this.store,
      actorOf(actor),
      'groups.update',
      (repos) => repos.groups.update(id, patch),
      (g) => ({ type: 'group', id: g.id, summary: { name: g.name, changed: patch } }),
    );
  }

  delete(actor: Identity, id: number): Promise<Group> {
    return audited(
      this.store,
      actorOf(actor),
      'groups.delete',
      (repos) => repos.groups.delete(id),
      (g) => ({ type: 'group', id: g.id, summary: { name: g.name, members: g.memberCount } }),
    );
  }

  addMember(actor: Identity, input: MembershipAdd): Promise<Membership> {
    return audited(
      this.store,
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
      this.store,
      actorOf(actor),
      'groups.members.update',
      (repos) => repos.groups.setMemberRole(groupId, deviceId, role),
      (m) => ({ type: 'group', id: m.groupId, summary: { deviceId: m.deviceId, role: m.role } }),
    );
  }

  removeMember(actor: Identity, groupId: number, deviceId: number): Promise<Membership> {
    return audited(
      this.store,
      actorOf(actor),
      'groups.members.remove',
      (repos) => repos.groups.removeMember(groupId, deviceId),
      (m) => ({ type: 'group', id: m.groupId, summary: { deviceId: m.deviceId } }),
    );
  }
}
