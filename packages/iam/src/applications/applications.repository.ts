import { Injectable } from '@nestjs/common';
import { IamModelRepository } from '../common/scoped-repository';
import { IamDatabase } from '../database/iam-database';

@Injectable()
export class ApplicationsRepository extends IamModelRepository<'application'> {
  constructor(db: IamDatabase) {
    super(db, 'application', { orderBy: { name: 'asc' }, include: undefined });
  }

  /** How many workspaces offer the application. */
  async workspacesOffering(applicationId: string): Promise<number> {
    return this.db.workspaceApplication.count({ where: { applicationId } });
  }

  /** Those of `ids` that are applications of the organization. */
  async existing(orgId: string, ids: readonly string[]): Promise<Set<string>> {
    const found = await this.db.application.findMany({
      where: { id: { in: [...ids] }, orgId },
      select: { id: true },
    });
    return new Set(found.map((application) => application.id));
  }
}
