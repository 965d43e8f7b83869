import { Controller, Query, UseGuards } from '@nestjs/common';
import {
  type EntitlementResolution,
  type ResolveEntitlementQuery,
  resolveEntitlementRoute,
} from '@webstream/contracts';
import { Endpoint, RequestValidationException } from '@webstream/service-kit';
import { type Actor, assertAdmin, CurrentActor } from '../auth/actor';
import { IamAuthGuard } from '../auth/iam-auth.guard';
import { notFound, recordScope } from '../tenancy/tenant-scope';
import { UsersRepository } from '../users/users.repository';
import { EntitlementResolver } from './entitlement-resolver';

@Controller()
@UseGuards(IamAuthGuard)
export class EntitlementResolutionController {
  constructor(
    private readonly resolver: EntitlementResolver,
    private readonly users: UsersRepository,
  ) {}

  /** A user asks for themselves (the gateway does so with the user's token); an admin for a user of theirs. */
  @Endpoint(resolveEntitlementRoute)
  async resolve(
    @CurrentActor() actor: Actor,
    @Query() query: ResolveEntitlementQuery,
  ): Promise<EntitlementResolution> {
    const self = actor.kind === 'user' && (query.userId === undefined || query.userId === actor.id);
    if (!self) {
      assertAdmin(actor, 'read');
      if (query.userId === undefined) {
        throw new RequestValidationException([
          { path: 'query.userId', message: 'is required when an API key asks' },
        ]);
      }
      const inScope = await this.users.count({ id: query.userId, ...recordScope(actor) });
      if (inScope === 0) throw notFound('user', query.userId);
    }
    return this.resolver.resolve(query.userId ?? actor.id, query.workspaceId, query.appId);
  }
}
