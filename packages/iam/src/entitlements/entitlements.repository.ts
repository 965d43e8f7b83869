import { Injectable } from '@nestjs/common';
import { IamModelRepository } from '../common/scoped-repository';
import { IamDatabase } from '../database/iam-database';

@Injectable()
export class EntitlementsRepository extends IamModelRepository<'entitlement'> {
  constructor(db: IamDatabase) {
    super(db, 'entitlement', { orderBy: { createdAt: 'asc' }, include: undefined });
  }

  /** Whether the user is entitled to the workspace, directly or through a group. */
  async grants(workspaceId: string, userId: string): Promise<boolean> {
    const found = await this.db.entitlement.findFirst({
      where: { workspaceId, OR: [{ userId }, { group: { members: { some: { userId } } } }] },
      select: { id: true },
    });
    return found !== null;
  }
}
