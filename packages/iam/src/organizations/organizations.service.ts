import { ConflictException, ForbiddenException, Injectable } from '@nestjs/common';
import {
  type CreateOrganization,
  type ListOrganizationsQuery,
  type Organization,
  type Page,
  type UpdateOrganization,
} from '@webstream/contracts';
import { AuditTrail } from '../audit/audit-trail';
import { type Actor, assertAdmin, isPlatformAdmin } from '../auth/actor';
import { IamChanges } from '../changes/iam-changes';
import { contains, fetchPage, iso } from '../common/paging';
import { IamDatabase } from '../database/iam-database';
import { type Organization as OrganizationRow } from '../generated/prisma/client';
import { notFound } from '../tenancy/tenant-scope';

function toOrganization(row: OrganizationRow): Organization {
  return {
    id: row.id,
    name: row.name,
    slug: row.slug,
    createdAt: iso(row.createdAt),
    updatedAt: iso(row.updatedAt),
  };
}

function assertPlatformAdmin(actor: Actor): void {
  if (!isPlatformAdmin(actor)) throw new ForbiddenException('only a platform administrator may do this');
}

@Injectable()
export class OrganizationsService {
  constructor(
    private readonly db: IamDatabase,
    private readonly audit: AuditTrail,
    private readonly changes: IamChanges,
  ) {}

  /** Everyone else sees their own organization only. */
  async list(actor: Actor, query: ListOrganizationsQuery): Promise<Page<Organization>> {
    const where = {
      ...(isPlatformAdmin(actor) ? {} : { id: actor.orgId }),
      ...(query.q === undefined ? {} : { OR: [{ name: contains(query.q) }, { slug: contains(query.q) }] }),
    };
    return fetchPage(
      query,
      (window) => this.db.organization.findMany({ where, orderBy: { name: 'asc' }, ...window }),
      () => this.db.organization.count({ where }),
      toOrganization,
    );
  }

  async get(actor: Actor, id: string): Promise<Organization> {
    return toOrganization(await this.find(actor, id));
  }

  async create(actor: Actor, body: CreateOrganization): Promise<Organization> {
    assertPlatformAdmin(actor);
    const created = toOrganization(await this.db.organization.create({ data: body }));
    this.audit.change(actor, {
      action: 'organization.create',
      targetType: 'organization',
      targetId: created.id,
      orgId: created.id,
      before: null,
      after: created,
    });
    return created;
  }

  async update(actor: Actor, id: string, body: UpdateOrganization): Promise<Organization> {
    assertAdmin(actor, 'write');
    const before = toOrganization(await this.find(actor, id));
    const after = toOrganization(await this.db.organization.update({ where: { id }, data: body }));
    this.audit.change(actor, {
      action: 'organization.update',
      targetType: 'organization',
      targetId: id,
      orgId: id,
      before,
      after,
    });
    return after;
  }

  /** Deletes the organization and everything in it. */
  async remove(actor: Actor, id: string): Promise<void> {
    assertPlatformAdmin(actor);
    const before = toOrganization(await this.find(actor, id));
    if (id === actor.orgId) throw new ConflictException('you cannot delete your own organization');
    await this.db.organization.delete({ where: { id } });
    await this.changes.changed();
    this.audit.change(actor, {
      action: 'organization.delete',
      targetType: 'organization',
      targetId: id,
      orgId: id,
      before,
      after: null,
    });
  }

  private async find(actor: Actor, id: string): Promise<OrganizationRow> {
    // Another organization's id answers the same as one that never existed.
    const row =
      isPlatformAdmin(actor) || id === actor.orgId
        ? await this.db.organization.findUnique({ where: { id } })
        : null;
    if (row === null) throw notFound('organization', id);
    return row;
  }
}
