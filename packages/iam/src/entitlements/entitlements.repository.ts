import { Injectable } from '@nestjs/common';
import { ScopedRepository } from '../common/scoped-repository';
import { IamDatabase } from '../database/iam-database';
import { type Entitlement as EntitlementRow, type Prisma } from '../generated/prisma/client';

@Injectable()
export class EntitlementsRepository extends ScopedRepository<
  EntitlementRow,
  Prisma.EntitlementWhereInput,
  Prisma.EntitlementUncheckedCreateInput,
  Prisma.EntitlementUncheckedUpdateInput
> {
  constructor(private readonly db: IamDatabase) {
    super(db.entitlement, { orderBy: { createdAt: 'asc' }, include: undefined });
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
