import { Injectable } from '@nestjs/common';
import { IamModelRepository } from '../common/scoped-repository';
import { IamDatabase } from '../database/iam-database';

@Injectable()
export class PoliciesRepository extends IamModelRepository<'policy'> {
  constructor(db: IamDatabase) {
    super(db, 'policy', { orderBy: { name: 'asc' }, include: undefined });
  }

  /** How many workspaces run under the policy. */
  async workspacesUsing(policyId: string): Promise<number> {
    return this.db.workspace.count({ where: { policyId } });
  }
}
