import { ConflictException, ForbiddenException, Injectable } from '@nestjs/common';
import {
  type CreateOrganization,
  type ListOrganizationsQuery,
  type Organization,
  type UpdateOrganization,
} from '@webstream/contracts';
import { AuditTrail } from '../audit/audit-trail';
import { type Actor, assertAdmin, isPlatformAdmin } from '../auth/actor';
import { IamChanges } from '../changes/iam-changes';
import { contains, iso } from '../common/paging';
import { type CrudOperation, ScopedCrudService } from '../common/scoped-crud.service';
import { type Organization as OrganizationRow, type Prisma } from '../generated/prisma/client';
import { notFound } from '../tenancy/tenant-scope';
import { OrganizationsRepository } from './organizations.repository';

function toOrganization(row: OrganizationRow): Organization {
  return {
    id: row.id,
    name: row.name,
    slug: row.slug,
    passwordLogin: row.passwordLogin,
    createdAt: iso(row.createdAt),
    updatedAt: iso(row.updatedAt),
  };
}

function assertPlatformAdmin(actor: Actor): void {
  if (!isPlatformAdmin(actor)) throw new ForbiddenException('only a platform administrator may do this');
}

/**
 * Organizations are the scope itself: everyone sees their own, a platform administrator every one, and only
 * a platform administrator creates or deletes one (with everything in it).
 */
@Injectable()
export class OrganizationsService extends ScopedCrudService<
  OrganizationRow,
  Organization,
  CreateOrganization,
  UpdateOrganization,
  ListOrganizationsQuery,
  Prisma.OrganizationWhereInput
> {
  constructor(
    private readonly organizations: OrganizationsRepository,
    audit: AuditTrail,
    changes: IamChanges,
  ) {
    super(organizations, audit, changes, {
      auditType: 'organization',
      feedsEntitlements: true,
      toItem: toOrganization,
      filter: (query) =>
        query.q === undefined ? {} : { OR: [{ name: contains(query.q) }, { slug: contains(query.q) }] },
    });
  }

  /** Reading is scoped by find() and listScope(): everyone may read their own organization. */
  protected override authorize(actor: Actor, operation: CrudOperation): void {
    if (operation === 'create' || operation === 'remove') assertPlatformAdmin(actor);
    else if (operation === 'update') assertAdmin(actor, 'write');
  }

  protected override listScope(actor: Actor): Prisma.OrganizationWhereInput {
    return isPlatformAdmin(actor) ? {} : { id: actor.orgId };
  }

  protected override insert(_actor: Actor, body: CreateOrganization): Promise<OrganizationRow> {
    return this.organizations.create(body);
  }

  protected override change(
    _actor: Actor,
    current: OrganizationRow,
    body: UpdateOrganization,
  ): Promise<OrganizationRow> {
    return this.organizations.update(current.id, body);
  }

  protected override assertRemovable(actor: Actor, current: OrganizationRow): Promise<void> {
    if (current.id === actor.orgId) throw new ConflictException('you cannot delete your own organization');
    return Promise.resolve();
  }

  /** Another organization's id answers the same as one that never existed. */
  protected override async find(actor: Actor, id: string): Promise<OrganizationRow> {
    const row =
      isPlatformAdmin(actor) || id === actor.orgId ? await this.organizations.findFirst({ id }) : null;
    if (row === null) throw notFound('organization', id);
    return row;
  }
}
