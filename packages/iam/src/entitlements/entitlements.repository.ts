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
  constructor(db: IamDatabase) {
    super(db.entitlement, { orderBy: { createdAt: 'asc' }, include: undefined });
  }
}
