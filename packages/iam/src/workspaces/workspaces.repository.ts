import { Injectable } from '@nestjs/common';
import { IamModelRepository } from '../common/scoped-repository';
import { IamDatabase } from '../database/iam-database';
import { type Prisma, type Workspace as WorkspaceRow } from '../generated/prisma/client';

const withApplications = { applications: { orderBy: { position: 'asc' } } } as const;
export type WorkspaceWithApplications = WorkspaceRow & { applications: { applicationId: string }[] };

@Injectable()
export class WorkspacesRepository extends IamModelRepository<'workspace', typeof withApplications> {
  constructor(db: IamDatabase) {
    super(db, 'workspace', { orderBy: { name: 'asc' }, include: withApplications });
  }

  /** Workspaces entitled to the user directly or through a group, with their policy and applications in order. */
  entitledTo(userId: string) {
    return this.db.workspace.findMany({
      where: { entitlements: { some: { OR: [{ userId }, { group: { members: { some: { userId } } } }] } } },
      include: {
        policy: true,
        applications: { orderBy: { position: 'asc' }, include: { application: true } },
      },
      orderBy: { name: 'asc' },
    });
  }

  /** The organization's workspace with its policy and, of its applications, only `appId` (none if not given). */
  withPolicyAndApplication(id: string, orgId: string, appId: string | undefined) {
    return this.db.workspace.findFirst({
      where: { id, orgId },
      include: {
        policy: true,
        applications: {
          where: appId === undefined ? { applicationId: { in: [] } } : { applicationId: appId },
          include: { application: true },
        },
      },
    });
  }

  /** Changes the workspace and, where given, replaces its applications (in this order) in one transaction. */
  async updateWithApplications(
    id: string,
    fields: Prisma.WorkspaceUpdateInput,
    applicationIds: readonly string[] | undefined,
  ): Promise<WorkspaceWithApplications> {
    return this.db.$transaction(async (tx) => {
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
  }
}
