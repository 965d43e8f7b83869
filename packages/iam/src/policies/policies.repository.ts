import { Injectable } from '@nestjs/common';
import { ScopedRepository } from '../common/scoped-repository';
import { IamDatabase } from '../database/iam-database';
import { type Policy as PolicyRow, type Prisma } from '../generated/prisma/client';

@Injectable()
export class PoliciesRepository extends ScopedRepository<
  PolicyRow,
  Prisma.PolicyWhereInput,
  Prisma.PolicyUncheckedCreateInput,
  Prisma.PolicyUpdateInput
> {
  constructor(private readonly db: IamDatabase) {
    super(db.policy, { orderBy: { name: 'asc' }, include: undefined });
  }

  /** How many workspaces run under the policy. */
  async workspacesUsing(policyId: string): Promise<number> {
    return this.db.workspace.count({ where: { policyId } });
  }
}
