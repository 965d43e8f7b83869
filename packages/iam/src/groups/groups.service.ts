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
import { IamDatabase } from '../database/iam-database';
import { type Group as GroupRow, type Prisma } from '../generated/prisma/client';
import { notFound, readScope, recordScope, targetOrg } from '../tenancy/tenant-scope';
import { toUser } from '../users/user-mapper';

type GroupWithCount = GroupRow & { _count: { members: number } };
const withCount = { _count: { select: { members: true } } } as const;

function toGroup(row: GroupWithCount): Group {
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

@Injectable()
export class GroupsService {
  constructor(
    private readonly db: IamDatabase,
    private readonly audit: AuditTrail,
    private readonly changes: IamChanges,
  ) {}

  async list(actor: Actor, query: ListGroupsQuery): Promise<Page<Group>> {
    assertAdmin(actor, 'read');
    const where: Prisma.GroupWhereInput = {
      ...readScope(actor, query.orgId),
      ...(query.q === undefined ? {} : { name: contains(query.q) }),
      ...(query.userId === undefined ? {} : { members: { some: { userId: query.userId } } }),
    };
    return fetchPage(
      query,
      (window) => this.db.group.findMany({ where, include: withCount, orderBy: { name: 'asc' }, ...window }),
      () => this.db.group.count({ where }),
      toGroup,
    );
  }

  async get(actor: Actor, id: string): Promise<Group> {
    assertAdmin(actor, 'read');
    return toGroup(await this.find(actor, id));
  }

  async create(actor: Actor, body: CreateGroup): Promise<Group> {
    assertAdmin(actor, 'write');
    const orgId = targetOrg(actor, body.orgId);
    const created = toGroup(
      await this.db.group.create({
        data: { orgId, name: body.name, description: body.description },
        include: withCount,
      }),
    );
    this.audit.change(actor, {
      action: 'group.create',
      targetType: 'group',
      targetId: created.id,
      orgId,
      before: null,
      after: created,
    });
    return created;
  }

  async update(actor: Actor, id: string, body: UpdateGroup): Promise<Group> {
    assertAdmin(actor, 'write');
    const before = toGroup(await this.find(actor, id));
    const after = toGroup(await this.db.group.update({ where: { id }, data: body, include: withCount }));
    this.audit.change(actor, {
      action: 'group.update',
      targetType: 'group',
      targetId: id,
      orgId: after.orgId,
      before,
      after,
    });
    return after;
  }

  async remove(actor: Actor, id: string): Promise<void> {
    assertAdmin(actor, 'write');
    const before = toGroup(await this.find(actor, id));
    await this.db.group.delete({ where: { id } });
    await this.changes.changed();
    this.audit.change(actor, {
      action: 'group.delete',
      targetType: 'group',
      targetId: id,
      orgId: before.orgId,
      before,
      after: null,
    });
  }

  async members(actor: Actor, id: string, query: Pick<PageQuery, 'page' | 'pageSize'>): Promise<Page<User>> {
    assertAdmin(actor, 'read');
    await this.find(actor, id);
    const where = { memberships: { some: { groupId: id } } };
    return fetchPage(
      query,
      (window) => this.db.user.findMany({ where, orderBy: { username: 'asc' }, ...window }),
      () => this.db.user.count({ where }),
      toUser,
    );
  }

  /** Idempotent: adding a member twice answers the existing membership. */
  async addMember(actor: Actor, id: string, userId: string): Promise<GroupMembership> {
    assertAdmin(actor, 'write');
    const group = await this.find(actor, id);
    // The user must belong to the group's organization; any other answers 404, as if it did not exist.
    const user = await this.db.user.findFirst({ where: { id: userId, orgId: group.orgId } });
    if (user === null) throw notFound('user', userId);
    const existing = await this.db.groupMember.findUnique({
      where: { groupId_userId: { groupId: id, userId } },
    });
    const membership =
      existing ??
      (await this.db.groupMember.upsert({
        where: { groupId_userId: { groupId: id, userId } },
        create: { groupId: id, userId },
        update: {},
      }));
    const result = { groupId: id, userId, addedAt: iso(membership.addedAt) };
    if (existing === null) {
      await this.changes.changed();
      this.audit.change(actor, {
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
    const removed = await this.db.groupMember.deleteMany({ where: { groupId: id, userId } });
    if (removed.count === 0) throw notFound('member', userId);
    await this.changes.changed();
    this.audit.change(actor, {
      action: 'group.member-remove',
      targetType: 'group',
      targetId: id,
      orgId: group.orgId,
      before: { groupId: id, userId },
      after: null,
    });
  }

  private async find(actor: Actor, id: string): Promise<GroupWithCount> {
    const row = await this.db.group.findFirst({ where: { id, ...recordScope(actor) }, include: withCount });
    if (row === null) throw notFound('group', id);
    return row;
  }
}
