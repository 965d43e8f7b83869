import { Injectable } from '@nestjs/common';
import { IamModelRepository } from '../common/scoped-repository';
import { IamDatabase } from '../database/iam-database';
import { type ApiKey as ApiKeyRow } from '../generated/prisma/client';

@Injectable()
export class ApiKeysRepository extends IamModelRepository<'apiKey'> {
  constructor(db: IamDatabase) {
    super(db, 'apiKey', { orderBy: { createdAt: 'desc' }, include: undefined });
  }

  findByPrefix(prefix: string): Promise<ApiKeyRow | null> {
    return this.db.apiKey.findUnique({ where: { prefix } });
  }

  async recordUse(id: string): Promise<void> {
    await this.db.apiKey.update({ where: { id }, data: { lastUsedAt: new Date() } });
  }
}
