import { Injectable, NotFoundException } from '@nestjs/common';
import {
  type CreateEntitlement,
  type Entitlement,
  type ListEntitlementsQuery,
  type UpdateEntitlement,
} from '@webstream/contracts';
import { AuditTrail } from '../audit/audit-trail';
import { type Actor } from '../auth/actor';
import { IamChanges } from '../changes/iam-changes';
import { iso } from '../common/paging';
import { ScopedCrudService } from '../common/scoped-crud.service';
import { type Entitlement as EntitlementRow, type Prisma } from '../generated/prisma/client';
import { GroupsRepository } from '../groups/groups.repository';
import { recordScope } from '../tenancy/tenant-scope';
import { UsersRepository } from '../users/users.repository';
import { WorkspacesRepository } from '../workspaces/workspaces.repository';
import { EntitlementsRepository } from './entitlements.repository';

function toEntitlement(row: EntitlementRow): Entitlement {
  return {
    id: row.id,
    orgId: row.orgId,
    workspaceId: row.workspaceId,
    userId: row.userId,
    groupId: row.groupId,
    createdAt: iso(row.createdAt),
    updatedAt: iso(row.updatedAt),
  };
}

function filter(query: ListEntitlementsQuery): Prisma.EntitlementWhereInput {
  return {
    ...(query.workspaceId === undefined ? {} : { workspaceId: query.workspaceId }),
    ...(query.userId === undefined ? {} : { userId: query.userId }),
    ...(query.groupId === undefined ? {} : { groupId: query.groupId }),
  };
}

/** An entitlement belongs to its workspace's organization; its user or group must be of the same one. */
@Injectable()
export class EntitlementsService extends ScopedCrudService<
  EntitlementRow,
  Entitlement,
  CreateEntitlement,
  UpdateEntitlement,
  ListEntitlementsQuery,
  Prisma.EntitlementWhereInput
> {
  constructor(
    private readonly entitlements: EntitlementsRepository,
    private readonly workspaces: WorkspacesRepository,
    private readonly users: UsersRepository,
    private readonly groups: GroupsRepository,
    audit: AuditTrail,
    changes: IamChanges,
  ) {
    super(entitlements, audit, changes, {
      auditType: 'entitlement',
      feedsEntitlements: true,
      toItem: toEntitlement,
      filter,
    });
  }

  protected override async insert(actor: Actor, body: CreateEntitlement): Promise<EntitlementRow> {
    const workspace = await this.workspaces.findFirst({ id: body.workspaceId, ...recordScope(actor) });
    if (workspace === null)
      throw new NotFoundException(`workspaceId: workspace ${body.workspaceId} does not exist`);
    const userId = body.userId ?? null;
    const groupId = body.groupId ?? null;
    await this.assertSubject(workspace.orgId, userId, groupId);
    return this.entitlements.create({ orgId: workspace.orgId, workspaceId: workspace.id, userId, groupId });
  }

  protected override async change(
    _actor: Actor,
    current: EntitlementRow,
    body: UpdateEntitlement,
  ): Promise<EntitlementRow> {
    if (body.workspaceId !== undefined && !(await this.workspaces.existsIn(current.orgId, body.workspaceId)))
      throw new NotFoundException(`workspaceId: workspace ${body.workspaceId} does not exist`);
    const subjectChanged = body.userId !== undefined || body.groupId !== undefined;
    const userId = subjectChanged ? (body.userId ?? null) : current.userId;
    const groupId = subjectChanged ? (body.groupId ?? null) : current.groupId;
    if (subjectChanged) await this.assertSubject(current.orgId, userId, groupId);
    return this.entitlements.update(current.id, { workspaceId: body.workspaceId, userId, groupId });
  }

  private async assertSubject(orgId: string, userId: string | null, groupId: string | null): Promise<void> {
    if (userId !== null && !(await this.users.existsIn(orgId, userId))) {
      throw new NotFoundException(`userId: user ${userId} does not exist`);
    }
    if (groupId !== null && !(await this.groups.existsIn(orgId, groupId))) {
      throw new NotFoundException(`groupId: group ${groupId} does not exist`);
    }
  }
}
