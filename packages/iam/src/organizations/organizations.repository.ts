import { Injectable } from '@nestjs/common';
import { IamModelRepository } from '../common/scoped-repository';
import { IamDatabase } from '../database/iam-database';

@Injectable()
export class OrganizationsRepository extends IamModelRepository<'organization'> {
  constructor(db: IamDatabase) {
    super(db, 'organization', { orderBy: { name: 'asc' }, include: undefined });
  }

  async exists(id: string): Promise<boolean> {
    return (await this.db.organization.count({ where: { id } })) > 0;
  }
}
