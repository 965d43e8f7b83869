import { Injectable } from '@nestjs/common';
import { ScopedRepository } from '../common/scoped-repository';
import { IamDatabase } from '../database/iam-database';
import { type Organization as OrganizationRow, type Prisma } from '../generated/prisma/client';

@Injectable()
export class OrganizationsRepository extends ScopedRepository<
  OrganizationRow,
  Prisma.OrganizationWhereInput,
  Prisma.OrganizationCreateInput,
  Prisma.OrganizationUpdateInput
> {
  constructor(private readonly db: IamDatabase) {
    super(db.organization, { orderBy: { name: 'asc' }, include: undefined });
  }

  async exists(id: string): Promise<boolean> {
    return (await this.db.organization.count({ where: { id } })) > 0;
  }
}
