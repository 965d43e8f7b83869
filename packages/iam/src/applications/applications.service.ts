import { ConflictException, Injectable } from '@nestjs/common';
import {
  type Application,
  type CreateApplication,
  type ListApplicationsQuery,
  type UpdateApplication,
} from '@webstream/contracts';
import { AuditTrail } from '../audit/audit-trail';
import { type Actor } from '../auth/actor';
import { IamChanges } from '../changes/iam-changes';
import { contains, iso } from '../common/paging';
import { ScopedCrudService } from '../common/scoped-crud.service';
import { type Application as ApplicationRow, type Prisma } from '../generated/prisma/client';
import { targetOrg } from '../tenancy/tenant-scope';
import { ApplicationsRepository } from './applications.repository';

function toApplication(row: ApplicationRow): Application {
  return {
    id: row.id,
    orgId: row.orgId,
    name: row.name,
    exe: row.exe,
    args: row.args,
    description: row.description,
    icon: row.icon,
    createdAt: iso(row.createdAt),
    updatedAt: iso(row.updatedAt),
  };
}

@Injectable()
export class ApplicationsService extends ScopedCrudService<
  ApplicationRow,
  Application,
  CreateApplication,
  UpdateApplication,
  ListApplicationsQuery,
  Prisma.ApplicationWhereInput
> {
  constructor(
    private readonly applications: ApplicationsRepository,
    audit: AuditTrail,
    changes: IamChanges,
  ) {
    super(applications, audit, changes, {
      auditType: 'application',
      feedsEntitlements: true,
      toItem: toApplication,
      filter: (query) =>
        query.q === undefined ? {} : { OR: [{ name: contains(query.q) }, { exe: contains(query.q) }] },
    });
  }

  protected override insert(actor: Actor, body: CreateApplication): Promise<ApplicationRow> {
    return this.applications.create({
      orgId: targetOrg(actor, body.orgId),
      name: body.name,
      exe: body.exe,
      args: body.args,
      description: body.description,
      icon: body.icon ?? null,
    });
  }

  protected override change(
    _actor: Actor,
    current: ApplicationRow,
    body: UpdateApplication,
  ): Promise<ApplicationRow> {
    return this.applications.update(current.id, body);
  }

  protected override async assertRemovable(_actor: Actor, current: ApplicationRow): Promise<void> {
    const usedBy = await this.applications.workspacesOffering(current.id);
    if (usedBy > 0) {
      throw new ConflictException(
        `application ${current.id} is offered by ${usedBy} workspace(s); remove it from them first`,
      );
    }
  }
}
