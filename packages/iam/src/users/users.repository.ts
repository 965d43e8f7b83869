import { Injectable } from '@nestjs/common';
import { IamModelRepository } from '../common/scoped-repository';
import { IamDatabase } from '../database/iam-database';
import { type Organization as OrganizationRow, type User as UserRow } from '../generated/prisma/client';

@Injectable()
export class UsersRepository extends IamModelRepository<'user'> {
  constructor(db: IamDatabase) {
    super(db, 'user', { orderBy: { username: 'asc' }, include: undefined });
  }

  findById(id: string): Promise<UserRow | null> {
    return this.db.user.findUnique({ where: { id } });
  }

  /** Up to `limit` users of this name, in any organization, or the one of this organization's slug. */
  withUsername(username: string, organizationSlug: string | undefined, limit: number): Promise<UserRow[]> {
    return this.db.user.findMany({
      where: {
        username,
        ...(organizationSlug === undefined ? {} : { organization: { slug: organizationSlug } }),
      },
      take: limit,
    });
  }

  findWithOrganization(id: string): Promise<(UserRow & { organization: OrganizationRow }) | null> {
    return this.db.user.findUnique({ where: { id }, include: { organization: true } });
  }

  /** Ends every access token the user holds: each claims the generation it was issued under. */
  async bumpTokenGeneration(id: string): Promise<void> {
    await this.db.user.updateMany({ where: { id }, data: { tokenGeneration: { increment: 1 } } });
  }

  recordSignIn(id: string): Promise<UserRow> {
    return this.db.user.update({ where: { id }, data: { lastLoginAt: new Date() } });
  }

  platformAdminNamed(username: string): Promise<UserRow | null> {
    return this.db.user.findFirst({ where: { username, role: 'platform_admin' } });
  }

  async passwordLoginAllowed(orgId: string): Promise<boolean> {
    const organization = await this.db.organization.findUnique({
      where: { id: orgId },
      select: { passwordLogin: true },
    });
    return organization?.passwordLogin ?? false;
  }

  /** Enabled platform administrators other than `exceptId`. */
  async otherActivePlatformAdmins(exceptId: string): Promise<number> {
    return this.db.user.count({ where: { role: 'platform_admin', disabled: false, id: { not: exceptId } } });
  }
}
