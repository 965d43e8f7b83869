import { type EntitlementResolution } from '@webstream/contracts';

export interface EntitlementQuery {
  /** The user's own access token, already verified by the gateway: IAM answers for that user only. */
  accessToken: string;
  userId: string;
  workspaceId: string;
  appId: string;
}

/**
 * The gateway's one view of IAM, whichever mode it runs in: in-process (builtin) or over HTTP
 * (standalone or external). The session host and streamer never ask IAM; they act on what the gateway injects.
 */
export abstract class IamClient {
  abstract resolveEntitlement(query: EntitlementQuery): Promise<EntitlementResolution>;
}
