import { Injectable } from '@nestjs/common';
import { IamModelRepository } from '../common/scoped-repository';
import { IamDatabase } from '../database/iam-database';
import { type Group as GroupRow, type GroupMember } from '../generated/prisma/client';

const withMemberCount = { _count: { select: { members: true } } } as const;
export type GroupWithMemberCount = GroupRow & { _count: { members: number } };

@Injectable()
export class GroupsRepository extends IamModelRepository<'group', typeof withMemberCount> {
  constructor(db: IamDatabase) {
    super(db, 'group', { orderBy: { name: 'asc' }, include: withMemberCount });
  }

  /** The membership, and whether this call made it (false: it was there already). */
  async addMember(groupId: string, userId: string): Promise<{ membership: GroupMember; added: boolean }> {
    const key = { groupId_userId: { groupId, userId } };
    const existing = await this.db.groupMember.findUnique({ where: key });
    if (existing !== null) return { membership: existing, added: false };
    const membership = await this.db.groupMember.upsert({
      where: key,
      create: { groupId, userId },
      update: {},
    });
    return { membership, added: true };
  }

  /** Whether there was a membership to remove. */
  async removeMember(groupId: string, userId: string): Promise<boolean> {
    return (await this.db.groupMember.deleteMany({ where: { groupId, userId } })).count > 0;
  }
}
