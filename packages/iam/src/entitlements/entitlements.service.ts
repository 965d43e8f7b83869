import { Injectable, NotFoundException } from '@nestjs/common';
import {
  type CreateEntitlement,
  type Entitlement,
  type ListEntitlementsQuery,
  type Page,
  type UpdateEntitlement,
} from '@webstream/contracts';
import { AuditTrail } from '../audit/audit-trail';
import { type Actor, assertAdmin } from '../auth/actor';
import { IamChanges } from '../changes/iam-changes';
import { fetchPage, iso } from '../common/paging';
import { IamDatabase } from '../database/iam-database';
import { type Entitlement as EntitlementRow, type Prisma } from '../generated/prisma/client';
import { notFound, readScope, recordScope } from '../tenancy/tenant-scope';

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

@Injectable()
export class EntitlementsService {
  constructor(
    private readonly db: IamDatabase,
    private readonly audit: AuditTrail,
    private readonly changes: IamChanges,
  ) {}

  async list(actor: Actor, query: ListEntitlementsQuery): Promise<Page<Entitlement>> {
    assertAdmin(actor, 'read');
    const where: Prisma.EntitlementWhereInput = {
      ...readScope(actor, query.orgId),
      ...(query.workspaceId === undefined ? {} : { workspaceId: query.workspaceId }),
      ...(query.userId === undefined ? {} : { userId: query.userId }),
      ...(query.groupId === undefined ? {} : { groupId: query.groupId }),
    };
    return fetchPage(
      query,
      (window) => this.db.entitlement.findMany({ where, orderBy: { createdAt: 'asc' }, ...window }),
      () => this.db.entitlement.count({ where }),
      toEntitlement,
    );
  }

  async get(actor: Actor, id: string): Promise<Entitlement> {
    assertAdmin(actor, 'read');
    return toEntitlement(await this.find(actor, id));
  }

  /** The entitlement belongs to its workspace's organization; its user or group must be of the same one. */
  async create(actor: Actor, body: CreateEntitlement): Promise<Entitlement> {
    assertAdmin(actor, 'write');
    const workspace = await this.db.workspace.findFirst({
      where: { id: body.workspaceId, ...recordScope(actor) },
    });
    if (workspace === null)
      throw new NotFoundException(`workspaceId: workspace ${body.workspaceId} does not exist`);
    await this.assertSubject(workspace.orgId, body.userId ?? null, body.groupId ?? null);
    const created = toEntitlement(
      await this.db.entitlement.create({
        data: {
          orgId: workspace.orgId,
          workspaceId: workspace.id,
          userId: body.userId ?? null,
          groupId: body.groupId ?? null,
        },
      }),
    );
    await this.changes.changed();
    this.audit.change(actor, {
      action: 'entitlement.create',
      targetType: 'entitlement',
      targetId: created.id,
      orgId: created.orgId,
      before: null,
      after: created,
    });
    return created;
  }

  async update(actor: Actor, id: string, body: UpdateEntitlement): Promise<Entitlement> {
    assertAdmin(actor, 'write');
    const current = await this.find(actor, id);
    if (body.workspaceId !== undefined) {
      const workspace = await this.db.workspace.count({
        where: { id: body.workspaceId, orgId: current.orgId },
      });
      if (workspace === 0)
        throw new NotFoundException(`workspaceId: workspace ${body.workspaceId} does not exist`);
    }
    const subjectChanged = body.userId !== undefined || body.groupId !== undefined;
    const userId = subjectChanged ? (body.userId ?? null) : current.userId;
    const groupId = subjectChanged ? (body.groupId ?? null) : current.groupId;
    if (subjectChanged) await this.assertSubject(current.orgId, userId, groupId);
    const after = toEntitlement(
      await this.db.entitlement.update({
        where: { id },
        data: { workspaceId: body.workspaceId, userId, groupId },
      }),
    );
    await this.changes.changed();
    this.audit.change(actor, {
      action: 'entitlement.update',
      targetType: 'entitlement',
      targetId: id,
      orgId: after.orgId,
      before: toEntitlement(current),
      after,
    });
    return after;
  }

  async remove(actor: Actor, id: string): Promise<void> {
    assertAdmin(actor, 'write');
    const before = toEntitlement(await this.find(actor, id));
    await this.db.entitlement.delete({ where: { id } });
    await this.changes.changed();
    this.audit.change(actor, {
      action: 'entitlement.delete',
      targetType: 'entitlement',
      targetId: id,
      orgId: before.orgId,
      before,
      after: null,
    });
  }

  private async assertSubject(orgId: string, userId: string | null, groupId: string | null): Promise<void> {
    if (userId !== null && (await this.db.user.count({ where: { id: userId, orgId } })) === 0) {
      throw new NotFoundException(`userId: user ${userId} does not exist`);
    }
    if (groupId !== null && (await this.db.group.count({ where: { id: groupId, orgId } })) === 0) {
      throw new NotFoundException(`groupId: group ${groupId} does not exist`);
    }
  }

  private async find(actor: Actor, id: string): Promise<EntitlementRow> {
    const row = await this.db.entitlement.findFirst({ where: { id, ...recordScope(actor) } });
    if (row === null) throw notFound('entitlement', id);
    return row;
  }
}
