import { Injectable, NotFoundException } from '@nestjs/common';
import {
  type CreateWorkspace,
  type ListWorkspacesQuery,
  type UpdateWorkspace,
  type Workspace,
} from '@webstream/contracts';
import { ApplicationsRepository } from '../applications/applications.repository';
import { AuditTrail } from '../audit/audit-trail';
import { type Actor } from '../auth/actor';
import { IamChanges } from '../changes/iam-changes';
import { contains, iso } from '../common/paging';
import { ScopedCrudService } from '../common/scoped-crud.service';
import { type Prisma } from '../generated/prisma/client';
import { PoliciesRepository } from '../policies/policies.repository';
import { targetOrg } from '../tenancy/tenant-scope';
import { type WorkspaceWithApplications, WorkspacesRepository } from './workspaces.repository';

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

function filter(query: ListWorkspacesQuery): Prisma.WorkspaceWhereInput {
  return {
    ...(query.q === undefined ? {} : { name: contains(query.q) }),
    ...(query.type === undefined ? {} : { type: query.type }),
    ...(query.policyId === undefined ? {} : { policyId: query.policyId }),
    ...(query.applicationId === undefined
      ? {}
      : { applications: { some: { applicationId: query.applicationId } } }),
  };
}

@Injectable()
export class WorkspacesService extends ScopedCrudService<
  WorkspaceWithApplications,
  Workspace,
  CreateWorkspace,
  UpdateWorkspace,
  ListWorkspacesQuery,
  Prisma.WorkspaceWhereInput
> {
  constructor(
    private readonly workspaces: WorkspacesRepository,
    private readonly applications: ApplicationsRepository,
    private readonly policies: PoliciesRepository,
    audit: AuditTrail,
    changes: IamChanges,
  ) {
    super(workspaces, audit, changes, {
      auditType: 'workspace',
      feedsEntitlements: true,
      toItem: toWorkspace,
      filter,
    });
  }

  protected override async insert(actor: Actor, body: CreateWorkspace): Promise<WorkspaceWithApplications> {
    const orgId = targetOrg(actor, body.orgId);
    await this.assertReferences(orgId, body.applicationIds, body.policyId);
    return this.workspaces.create({
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
    });
  }

  protected override async change(
    _actor: Actor,
    current: WorkspaceWithApplications,
    body: UpdateWorkspace,
  ): Promise<WorkspaceWithApplications> {
    await this.assertReferences(current.orgId, body.applicationIds ?? [], body.policyId ?? null);
    const { applicationIds, ...fields } = body;
    return this.workspaces.updateWithApplications(current.id, fields, applicationIds);
  }

  /** Applications and policy must be the workspace's organization's own; any other answers 404. */
  private async assertReferences(
    orgId: string,
    applicationIds: string[],
    policyId: string | null,
  ): Promise<void> {
    if (applicationIds.length > 0) {
      const known = await this.applications.existing(orgId, applicationIds);
      const missing = applicationIds.find((applicationId) => !known.has(applicationId));
      if (missing !== undefined)
        throw new NotFoundException(`applicationIds: application ${missing} does not exist`);
    }
    if (policyId !== null && !(await this.policies.existsIn(orgId, policyId))) {
      throw new NotFoundException(`policyId: policy ${policyId} does not exist`);
    }
  }
}
