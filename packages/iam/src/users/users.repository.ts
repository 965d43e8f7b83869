import { Injectable } from '@nestjs/common';
import { ScopedRepository } from '../common/scoped-repository';
import { IamDatabase } from '../database/iam-database';
import { type Prisma, type User as UserRow } from '../generated/prisma/client';

@Injectable()
export class UsersRepository extends ScopedRepository<
  UserRow,
  Prisma.UserWhereInput,
  Prisma.UserUncheckedCreateInput,
  Prisma.UserUpdateInput
> {
  constructor(private readonly db: IamDatabase) {
    super(db.user, { orderBy: { username: 'asc' }, include: undefined });
  }

  /** Enabled platform administrators other than `exceptId`. */
  async otherActivePlatformAdmins(exceptId: string): Promise<number> {
    return this.db.user.count({ where: { role: 'platform_admin', disabled: false, id: { not: exceptId } } });
  }
}
