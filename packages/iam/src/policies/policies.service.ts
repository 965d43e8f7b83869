import { ConflictException, Injectable } from '@nestjs/common';
import {
  type CreatePolicy,
  type ListPoliciesQuery,
  type Policy,
  type UpdatePolicy,
  workspacePolicySchema,
} from '@webstream/contracts';
import { AuditTrail } from '../audit/audit-trail';
import { type Actor } from '../auth/actor';
import { IamChanges } from '../changes/iam-changes';
import { contains, iso } from '../common/paging';
import { ScopedCrudService } from '../common/scoped-crud.service';
import { type Policy as PolicyRow, type Prisma } from '../generated/prisma/client';
import { targetOrg } from '../tenancy/tenant-scope';
import { PoliciesRepository } from './policies.repository';

function toPolicy(row: PolicyRow): Policy {
  return {
    id: row.id,
    orgId: row.orgId,
    name: row.name,
    description: row.description,
    // Parsed on the way out too: a row written by an older version still yields a valid contract.
    rules: workspacePolicySchema.parse(row.rules),
    createdAt: iso(row.createdAt),
    updatedAt: iso(row.updatedAt),
  };
}

@Injectable()
export class PoliciesService extends ScopedCrudService<
  PolicyRow,
  Policy,
  CreatePolicy,
  UpdatePolicy,
  ListPoliciesQuery,
  Prisma.PolicyWhereInput
> {
  constructor(
    private readonly policies: PoliciesRepository,
    audit: AuditTrail,
    changes: IamChanges,
  ) {
    super(policies, audit, changes, {
      auditType: 'policy',
      feedsEntitlements: true,
      toItem: toPolicy,
      filter: (query) => (query.q === undefined ? {} : { name: contains(query.q) }),
    });
  }

  protected override insert(actor: Actor, body: CreatePolicy): Promise<PolicyRow> {
    const orgId = targetOrg(actor, body.orgId);
    return this.policies.create({ orgId, name: body.name, description: body.description, rules: body.rules });
  }

  protected override change(_actor: Actor, current: PolicyRow, body: UpdatePolicy): Promise<PolicyRow> {
    return this.policies.update(current.id, body);
  }

  protected override async assertRemovable(_actor: Actor, current: PolicyRow): Promise<void> {
    const usedBy = await this.policies.workspacesUsing(current.id);
    if (usedBy > 0) {
      throw new ConflictException(
        `policy ${current.id} is used by ${usedBy} workspace(s); give them another policy first`,
      );
    }
  }
}
