import { Injectable } from '@nestjs/common';
import { type GroupMapping } from '@webstream/contracts';
import { IamModelRepository } from '../common/scoped-repository';
import { IamDatabase } from '../database/iam-database';
import {
  type IdentityProvider as IdentityProviderRow,
  type IdentityProviderGroupMapping,
  type Prisma,
} from '../generated/prisma/client';

const withGroupMappings = { groupMappings: { orderBy: { externalGroup: 'asc' } } } as const;
export type IdentityProviderWithMappings = IdentityProviderRow & {
  groupMappings: IdentityProviderGroupMapping[];
};

@Injectable()
export class IdentityProvidersRepository extends IamModelRepository<
  'identityProvider',
  typeof withGroupMappings
> {
  constructor(db: IamDatabase) {
    super(db, 'identityProvider', { orderBy: { name: 'asc' }, include: withGroupMappings });
  }

  /** An enabled provider, for a sign-in; null when it does not exist or is switched off. */
  enabled(id: string): Promise<IdentityProviderWithMappings | null> {
    return this.db.identityProvider.findFirst({ where: { id, enabled: true }, include: withGroupMappings });
  }

  /** The organization of this slug with its enabled providers, or null when there is no such organization. */
  signInChoices(slug: string) {
    return this.db.organization.findUnique({
      where: { slug },
      select: {
        slug: true,
        passwordLogin: true,
        identityProviders: {
          where: { enabled: true },
          orderBy: { name: 'asc' },
          select: { id: true, name: true, kind: true },
        },
      },
    });
  }

  /** Creates the provider with its mappings in one transaction. */
  async createWithMappings(
    data: Prisma.IdentityProviderUncheckedCreateInput,
    mappings: readonly GroupMapping[],
  ): Promise<IdentityProviderWithMappings> {
    return this.db.identityProvider.create({
      data: { ...data, groupMappings: { createMany: { data: [...mappings] } } },
      include: withGroupMappings,
    });
  }

  /** Changes the provider and, where given, replaces its group mappings, in one transaction. */
  async updateWithMappings(
    id: string,
    data: Prisma.IdentityProviderUncheckedUpdateInput,
    mappings: readonly GroupMapping[] | undefined,
  ): Promise<IdentityProviderWithMappings> {
    return this.db.$transaction(async (tx) => {
      if (mappings !== undefined) {
        await tx.identityProviderGroupMapping.deleteMany({ where: { providerId: id } });
        await tx.identityProviderGroupMapping.createMany({
          data: mappings.map((mapping) => ({ ...mapping, providerId: id })),
        });
      }
      return tx.identityProvider.update({ where: { id }, data, include: withGroupMappings });
    });
  }
}
