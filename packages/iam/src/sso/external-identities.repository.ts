import { Injectable } from '@nestjs/common';
import { IamDatabase } from '../database/iam-database';
import { type User as UserRow } from '../generated/prisma/client';

/** Users as identity providers know them: by the provider's subject, never by e-mail. */
@Injectable()
export class ExternalIdentitiesRepository {
  constructor(private readonly db: IamDatabase) {}

  async userOf(providerId: string, subject: string): Promise<UserRow | null> {
    const link = await this.db.externalIdentity.findUnique({
      where: { providerId_subject: { providerId, subject } },
      include: { user: true },
    });
    return link?.user ?? null;
  }

  /** The user's name, display name and e-mail as the provider says them now; the link's last sighting. */
  async refresh(
    providerId: string,
    subject: string,
    userId: string,
    profile: { displayName: string; email: string | null },
  ): Promise<UserRow> {
    return this.db.$transaction(async (tx) => {
      await tx.externalIdentity.update({
        where: { providerId_subject: { providerId, subject } },
        data: { lastSeenAt: new Date() },
      });
      return tx.user.update({ where: { id: userId }, data: profile });
    });
  }

  /** A new user of the organization, without a password, linked to the provider's subject, in one transaction. */
  async provision(
    providerId: string,
    subject: string,
    user: { orgId: string; username: string; displayName: string; email: string | null },
  ): Promise<UserRow> {
    return this.db.user.create({
      data: { ...user, passwordHash: null, externalIdentities: { create: { providerId, subject } } },
    });
  }

  /** The user's memberships among `groupIds`. */
  async membershipsAmong(userId: string, groupIds: readonly string[]): Promise<Set<string>> {
    const rows = await this.db.groupMember.findMany({
      where: { userId, groupId: { in: [...groupIds] } },
      select: { groupId: true },
    });
    return new Set(rows.map((row) => row.groupId));
  }
}
