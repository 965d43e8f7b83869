import { ConflictException, Injectable } from '@nestjs/common';
import {
  type CreatePolicy,
  type ListPoliciesQuery,
  type Page,
  type Policy,
  type UpdatePolicy,
  workspacePolicySchema,
} from '@webstream/contracts';
import { AuditTrail } from '../audit/audit-trail';
import { type Actor, assertAdmin } from '../auth/actor';
import { IamChanges } from '../changes/iam-changes';
import { contains, fetchPage, iso } from '../common/paging';
import { IamDatabase } from '../database/iam-database';
import { type Policy as PolicyRow, type Prisma } from '../generated/prisma/client';
import { notFound, readScope, recordScope, targetOrg } from '../tenancy/tenant-scope';

export function toPolicy(row: PolicyRow): Policy {
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
export class PoliciesService {
  constructor(
    private readonly db: IamDatabase,
    private readonly audit: AuditTrail,
    private readonly changes: IamChanges,
  ) {}

  async list(actor: Actor, query: ListPoliciesQuery): Promise<Page<Policy>> {
    assertAdmin(actor, 'read');
    const where: Prisma.PolicyWhereInput = {
      ...readScope(actor, query.orgId),
      ...(query.q === undefined ? {} : { name: contains(query.q) }),
    };
    return fetchPage(
      query,
      (window) => this.db.policy.findMany({ where, orderBy: { name: 'asc' }, ...window }),
      () => this.db.policy.count({ where }),
      toPolicy,
    );
  }

  async get(actor: Actor, id: string): Promise<Policy> {
    assertAdmin(actor, 'read');
    return toPolicy(await this.find(actor, id));
  }

  async create(actor: Actor, body: CreatePolicy): Promise<Policy> {
    assertAdmin(actor, 'write');
    const orgId = targetOrg(actor, body.orgId);
    const created = toPolicy(
      await this.db.policy.create({
        data: { orgId, name: body.name, description: body.description, rules: body.rules },
      }),
    );
    this.audit.change(actor, {
      action: 'policy.create',
      targetType: 'policy',
      targetId: created.id,
      orgId,
      before: null,
      after: created,
    });
    return created;
  }

  async update(actor: Actor, id: string, body: UpdatePolicy): Promise<Policy> {
    assertAdmin(actor, 'write');
    const before = toPolicy(await this.find(actor, id));
    const after = toPolicy(await this.db.policy.update({ where: { id }, data: body }));
    await this.changes.changed();
    this.audit.change(actor, {
      action: 'policy.update',
      targetType: 'policy',
      targetId: id,
      orgId: after.orgId,
      before,
      after,
    });
    return after;
  }

  async remove(actor: Actor, id: string): Promise<void> {
    assertAdmin(actor, 'write');
    const before = toPolicy(await this.find(actor, id));
    const usedBy = await this.db.workspace.count({ where: { policyId: id } });
    if (usedBy > 0) {
      throw new ConflictException(
        `policy ${id} is used by ${usedBy} workspace(s); give them another policy first`,
      );
    }
    await this.db.policy.delete({ where: { id } });
    this.audit.change(actor, {
      action: 'policy.delete',
      targetType: 'policy',
      targetId: id,
      orgId: before.orgId,
      before,
      after: null,
    });
  }

  private async find(actor: Actor, id: string): Promise<PolicyRow> {
    const row = await this.db.policy.findFirst({ where: { id, ...recordScope(actor) } });
    if (row === null) throw notFound('policy', id);
    return row;
  }
}
