import { Injectable, NotFoundException } from '@nestjs/common';
import {
  type CreateWorkspace,
  type ListWorkspacesQuery,
  type Page,
  type UpdateWorkspace,
  type Workspace,
} from '@webstream/contracts';
import { AuditTrail } from '../audit/audit-trail';
import { type Actor, assertAdmin } from '../auth/actor';
import { IamChanges } from '../changes/iam-changes';
import { contains, fetchPage, iso } from '../common/paging';
import { IamDatabase } from '../database/iam-database';
import { type Prisma, type Workspace as WorkspaceRow } from '../generated/prisma/client';
import { notFound, readScope, recordScope, targetOrg } from '../tenancy/tenant-scope';

const withApplications = { applications: { orderBy: { position: 'asc' } } } as const;
type WorkspaceWithApplications = WorkspaceRow & { applications: { applicationId: string }[] };

function toWorkspace(row: WorkspaceWithApplications): Workspace {
  return {
    id: row.id,
    orgId: row.orgId,
    name: row.name,
    type: row.type,
    description: row.description,
    applicationIds: row.applications.map((link) => link.applicationId),
    policyId: row.policyId,
    maxSessions: row.maxSessions,
    requiredTags: row.requiredTags,
    createdAt: iso(row.createdAt),
    updatedAt: iso(row.updatedAt),
  };
}

@Injectable()
export class WorkspacesService {
  constructor(
    private readonly db: IamDatabase,
    private readonly audit: AuditTrail,
    private readonly changes: IamChanges,
  ) {}

  async list(actor: Actor, query: ListWorkspacesQuery): Promise<Page<Workspace>> {
    assertAdmin(actor, 'read');
    const where: Prisma.WorkspaceWhereInput = {
      ...readScope(actor, query.orgId),
      ...(query.q === undefined ? {} : { name: contains(query.q) }),
      ...(query.type === undefined ? {} : { type: query.type }),
      ...(query.policyId === undefined ? {} : { policyId: query.policyId }),
      ...(query.applicationId === undefined
        ? {}
        : { applications: { some: { applicationId: query.applicationId } } }),
    };
    return fetchPage(
      query,
      (window) =>
        this.db.workspace.findMany({ where, include: withApplications, orderBy: { name: 'asc' }, ...window }),
      () => this.db.workspace.count({ where }),
      toWorkspace,
    );
  }

  async get(actor: Actor, id: string): Promise<Workspace> {
    assertAdmin(actor, 'read');
    return toWorkspace(await this.find(actor, id));
  }

  async create(actor: Actor, body: CreateWorkspace): Promise<Workspace> {
    assertAdmin(actor, 'write');
    const orgId = targetOrg(actor, body.orgId);
    await this.assertReferences(orgId, body.applicationIds, body.policyId);
    const created = toWorkspace(
      await this.db.workspace.create({
        data: {
          orgId,
          name: body.name,
          type: body.type,
          description: body.description,
          policyId: body.policyId,
          maxSessions: body.maxSessions,
          requiredTags: body.requiredTags,
          applications: {
            create: body.applicationIds.map((applicationId, position) => ({ applicationId, position })),
          },
        },
        include: withApplications,
      }),
    );
    this.audit.change(actor, {
      action: 'workspace.create',
      targetType: 'workspace',
      targetId: created.id,
      orgId,
      before: null,
      after: created,
    });
    return created;
  }

  async update(actor: Actor, id: string, body: UpdateWorkspace): Promise<Workspace> {
    assertAdmin(actor, 'write');
    const before = toWorkspace(await this.find(actor, id));
    await this.assertReferences(before.orgId, body.applicationIds ?? [], body.policyId ?? null);
    const { applicationIds, ...fields } = body;
    const row = await this.db.$transaction(async (tx) => {
      if (applicationIds !== undefined) {
        await tx.workspaceApplication.deleteMany({ where: { workspaceId: id } });
        await tx.workspaceApplication.createMany({
          data: applicationIds.map((applicationId, position) => ({
            workspaceId: id,
            applicationId,
            position,
          })),
        });
      }
      return tx.workspace.update({ where: { id }, data: fields, include: withApplications });
    });
    const after = toWorkspace(row);
    await this.changes.changed();
    this.audit.change(actor, {
      action: 'workspace.update',
      targetType: 'workspace',
      targetId: id,
      orgId: after.orgId,
      before,
      after,
    });
    return after;
  }

  async remove(actor: Actor, id: string): Promise<void> {
    assertAdmin(actor, 'write');
    const before = toWorkspace(await this.find(actor, id));
    await this.db.workspace.delete({ where: { id } });
    await this.changes.changed();
    this.audit.change(actor, {
      action: 'workspace.delete',
      targetType: 'workspace',
      targetId: id,
      orgId: before.orgId,
      before,
      after: null,
    });
  }

  /** Applications and policy must be the workspace's organization's own; any other answers 404. */
  private async assertReferences(
    orgId: string,
    applicationIds: string[],
    policyId: string | null,
  ): Promise<void> {
    if (applicationIds.length > 0) {
      const found = await this.db.application.findMany({
        where: { id: { in: applicationIds }, orgId },
        select: { id: true },
      });
      const known = new Set(found.map((application) => application.id));
      const missing = applicationIds.find((applicationId) => !known.has(applicationId));
      if (missing !== undefined)
        throw new NotFoundException(`applicationIds: application ${missing} does not exist`);
    }
    if (policyId !== null && (await this.db.policy.count({ where: { id: policyId, orgId } })) === 0) {
      throw new NotFoundException(`policyId: policy ${policyId} does not exist`);
    }
  }

  private async find(actor: Actor, id: string): Promise<WorkspaceWithApplications> {
    const row = await this.db.workspace.findFirst({
      where: { id, ...recordScope(actor) },
      include: withApplications,
    });
    if (row === null) throw notFound('workspace', id);
    return row;
  }
}
