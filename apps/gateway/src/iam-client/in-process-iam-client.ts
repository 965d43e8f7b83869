import { Injectable } from '@nestjs/common';
import { type EntitlementResolution } from '@webstream/contracts';
import { EntitlementResolver } from '@webstream/iam';
import { type EntitlementQuery, IamClient } from './iam-client';

/** Builtin mode: IAM's resolver in this process, its cache shared with the /iam routes. */
@Injectable()
export class InProcessIamClient extends IamClient {
  constructor(private readonly resolver: EntitlementResolver) {
    super();
  }

  resolveEntitlement(query: EntitlementQuery): Promise<EntitlementResolution> {
    return this.resolver.resolve(query.userId, query.workspaceId, query.appId);
  }
}
