import { ConflictException, Injectable } from '@nestjs/common';
import {
  type Application,
  type CreateApplication,
  type ListApplicationsQuery,
  type Page,
  type UpdateApplication,
} from '@webstream/contracts';
import { AuditTrail } from '../audit/audit-trail';
import { type Actor, assertAdmin } from '../auth/actor';
import { IamChanges } from '../changes/iam-changes';
import { contains, fetchPage, iso } from '../common/paging';
import { IamDatabase } from '../database/iam-database';
import { type Application as ApplicationRow, type Prisma } from '../generated/prisma/client';
import { notFound, readScope, recordScope, targetOrg } from '../tenancy/tenant-scope';

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
export class ApplicationsService {
  constructor(
    private readonly db: IamDatabase,
    private readonly audit: AuditTrail,
    private readonly changes: IamChanges,
  ) {}

  async list(actor: Actor, query: ListApplicationsQuery): Promise<Page<Application>> {
    assertAdmin(actor, 'read');
    const where: Prisma.ApplicationWhereInput = {
      ...readScope(actor, query.orgId),
      ...(query.q === undefined ? {} : { OR: [{ name: contains(query.q) }, { exe: contains(query.q) }] }),
    };
    return fetchPage(
      query,
      (window) => this.db.application.findMany({ where, orderBy: { name: 'asc' }, ...window }),
      () => this.db.application.count({ where }),
      toApplication,
    );
  }

  async get(actor: Actor, id: string): Promise<Application> {
    assertAdmin(actor, 'read');
    return toApplication(await this.find(actor, id));
  }

  async create(actor: Actor, body: CreateApplication): Promise<Application> {
    assertAdmin(actor, 'write');
    const orgId = targetOrg(actor, body.orgId);
    const created = toApplication(
      await this.db.application.create({
        data: {
          orgId,
          name: body.name,
          exe: body.exe,
          args: body.args,
          description: body.description,
          icon: body.icon ?? null,
        },
      }),
    );
    this.audit.change(actor, {
      action: 'application.create',
      targetType: 'application',
      targetId: created.id,
      orgId,
      before: null,
      after: created,
    });
    return created;
  }

  async update(actor: Actor, id: string, body: UpdateApplication): Promise<Application> {
    assertAdmin(actor, 'write');
    const before = toApplication(await this.find(actor, id));
    const after = toApplication(await this.db.application.update({ where: { id }, data: body }));
    await this.changes.changed();
    this.audit.change(actor, {
      action: 'application.update',
      targetType: 'application',
      targetId: id,
      orgId: after.orgId,
      before,
      after,
    });
    return after;
  }

  async remove(actor: Actor, id: string): Promise<void> {
    assertAdmin(actor, 'write');
    const before = toApplication(await this.find(actor, id));
    const usedBy = await this.db.workspaceApplication.count({ where: { applicationId: id } });
    if (usedBy > 0) {
      throw new ConflictException(
        `application ${id} is offered by ${usedBy} workspace(s); remove it from them first`,
      );
    }
    await this.db.application.delete({ where: { id } });
    await this.changes.changed();
    this.audit.change(actor, {
      action: 'application.delete',
      targetType: 'application',
      targetId: id,
      orgId: before.orgId,
      before,
      after: null,
    });
  }

  private async find(actor: Actor, id: string): Promise<ApplicationRow> {
    const row = await this.db.application.findFirst({ where: { id, ...recordScope(actor) } });
    if (row === null) throw notFound('application', id);
    return row;
  }
}
