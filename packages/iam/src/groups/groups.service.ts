import { Injectable } from '@nestjs/common';
import {
  type CreateGroup,
  type Group,
  type GroupMembership,
  type ListGroupsQuery,
  type Page,
  type PageQuery,
  type UpdateGroup,
  type User,
} from '@webstream/contracts';
import { AuditTrail } from '../audit/audit-trail';
import { type Actor, assertAdmin } from '../auth/actor';
import { IamChanges } from '../changes/iam-changes';
import { contains, fetchPage, iso } from '../common/paging';
import { ScopedCrudService } from '../common/scoped-crud.service';
import { type Prisma } from '../generated/prisma/client';
import { notFound, targetOrg } from '../tenancy/tenant-scope';
import { toUser } from '../users/user-mapper';
import { UsersRepository } from '../users/users.repository';
import { type GroupWithMemberCount, GroupsRepository } from './groups.repository';

function toGroup(row: GroupWithMemberCount): Group {
  return {
    id: row.id,
    orgId: row.orgId,
    name: row.name,
    description: row.description,
    memberCount: row._count.members,
    createdAt: iso(row.createdAt),
    updatedAt: iso(row.updatedAt),
  };
}

function filter(query: ListGroupsQuery): Prisma.GroupWhereInput {
  return {
    ...(query.q === undefined ? {} : { name: contains(query.q) }),
    ...(query.userId === undefined ? {} : { members: { some: { userId: query.userId } } }),
  };
}

@Injectable()
export class GroupsService extends ScopedCrudService<
  GroupWithMemberCount,
  Group,
  CreateGroup,
  UpdateGroup,
  ListGroupsQuery,
  Prisma.GroupWhereInput
> {
  constructor(
    private readonly groups: GroupsRepository,
    private readonly users: UsersRepository,
    audit: AuditTrail,
    changes: IamChanges,
  ) {
    super(groups, audit, changes, { auditType: 'group', feedsEntitlements: true, toItem: toGroup, filter });
  }

  protected override insert(actor: Actor, body: CreateGroup): Promise<GroupWithMemberCount> {
    const orgId = targetOrg(actor, body.orgId);
    return this.groups.create({ orgId, name: body.name, description: body.description });
  }

  protected override change(
    _actor: Actor,
    current: GroupWithMemberCount,
    body: UpdateGroup,
  ): Promise<GroupWithMemberCount> {
    return this.groups.update(current.id, body);
  }

  async members(actor: Actor, id: string, query: Pick<PageQuery, 'page' | 'pageSize'>): Promise<Page<User>> {
    assertAdmin(actor, 'read');
    await this.find(actor, id);
    const where = { memberships: { some: { groupId: id } } };
    return fetchPage(
      query,
      (window) => this.users.page(where, window),
      () => this.users.count(where),
      toUser,
    );
  }

  /** Idempotent: adding a member twice answers the existing membership. */
  async addMember(actor: Actor, id: string, userId: string): Promise<GroupMembership> {
    assertAdmin(actor, 'write');
    const group = await this.find(actor, id);
    // The user must belong to the group's organization; any other answers 404, as if it did not exist.
    if (!(await this.users.existsIn(group.orgId, userId))) throw notFound('user', userId);
    const { membership, added } = await this.groups.addMember(id, userId);
    const result = { groupId: id, userId, addedAt: iso(membership.addedAt) };
    if (added) {
      await this.recordChange(actor, {
        action: 'group.member-add',
        targetType: 'group',
        targetId: id,
        orgId: group.orgId,
        before: null,
        after: result,
      });
    }
    return result;
  }

  async removeMember(actor: Actor, id: string, userId: string): Promise<void> {
    assertAdmin(actor, 'write');
    const group = await this.find(actor, id);
    if (!(await this.groups.removeMember(id, userId))) throw notFound('member', userId);
    await this.recordChange(actor, {
      action: 'group.member-remove',
      targetType: 'group',
      targetId: id,
      orgId: group.orgId,
      before: { groupId: id, userId },
      after: null,
    });
  }
}
