import { Injectable } from '@nestjs/common';
import {
  defaultPolicy,
  type EntitlementRefusalReason,
  type EntitlementResolution,
  workspacePolicySchema,
} from '@webstream/contracts';
import { LRUCache } from 'lru-cache';
import { IamChanges } from '../changes/iam-changes';
import { IamMetrics } from '../common/iam-metrics';
import { UsersRepository } from '../users/users.repository';
import { WorkspacesRepository } from '../workspaces/workspaces.repository';
import { EntitlementsRepository } from './entitlements.repository';
import { type IamSettings, InjectIamSettings } from '../settings/iam-settings';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MAX_CACHED = 100_000;

interface Cached {
  generation: number;
  resolution: EntitlementResolution;
}

function refuse(reason: EntitlementRefusalReason, message: string): EntitlementResolution {
  return { entitled: false, reason, message };
}

/**
 * May this user launch this application of this workspace, and under which contract? Answers are cached:
 * every IAM write moves IamChanges' generation (here at once, in other instances through PostgreSQL
 * NOTIFY), which makes every earlier answer stale; the time-to-live bounds a missed notification.
 */
@Injectable()
export class EntitlementResolver {
  private readonly cache: LRUCache<string, Cached>;
  private readonly inFlight = new Map<string, Promise<EntitlementResolution>>();

  constructor(
    @InjectIamSettings() private readonly settings: IamSettings,
    private readonly users: UsersRepository,
    private readonly workspaces: WorkspacesRepository,
    private readonly entitlements: EntitlementsRepository,
    private readonly changes: IamChanges,
    private readonly metrics: IamMetrics,
  ) {
    this.cache = new LRUCache<string, Cached>({
      max: MAX_CACHED,
      ttl: Math.max(1, settings.entitlementCacheTtl * 1000),
    });
  }

  async resolve(userId: string, workspaceId: string, appId: string): Promise<EntitlementResolution> {
    const useCache = this.settings.entitlementCacheTtl > 0 && this.changes.listening;
    const key = `${userId} ${workspaceId} ${appId}`;
    const generation = this.changes.generation;
    if (useCache) {
      const hit = this.cache.get(key);
      if (hit !== undefined && hit.generation === generation) {
        this.metrics.resolutions.inc({ cache: 'hit' });
        return hit.resolution;
      }
    }
    this.metrics.resolutions.inc({ cache: 'miss' });
    // Simultaneous misses of one question share one database read.
    const flight = `${generation} ${key}`;
    let pending = this.inFlight.get(flight);
    if (pending === undefined) {
      pending = this.load(userId, workspaceId, appId).finally(() => this.inFlight.delete(flight));
      this.inFlight.set(flight, pending);
    }
    const resolution = await pending;
    // Stored under the generation it was read at: a change that landed meanwhile has already made it stale.
    if (useCache) this.cache.set(key, { generation, resolution });
    return resolution;
  }

  private async load(userId: string, workspaceId: string, appId: string): Promise<EntitlementResolution> {
    const user = UUID.test(userId) ? await this.users.findById(userId) : null;
    if (user === null) return refuse('user-unknown', `user ${userId} does not exist`);
    if (user.disabled) return refuse('user-disabled', `user ${user.username} is disabled`);
    const workspace = UUID.test(workspaceId)
      ? await this.workspaces.withPolicyAndApplication(
          workspaceId,
          user.orgId,
          UUID.test(appId) ? appId : undefined,
        )
      : null;
    if (workspace === null) return refuse('workspace-unknown', `workspace ${workspaceId} does not exist`);
    const entitled = await this.entitlements.grants(workspaceId, userId);
    if (!entitled) {
      return refuse('not-entitled', `user ${user.username} is not entitled to workspace ${workspace.name}`);
    }
    const application = workspace.applications[0]?.application;
    if (application === undefined) {
      return refuse(
        'app-not-in-workspace',
        `workspace ${workspace.name} does not offer application ${appId}`,
      );
    }
    return {
      entitled: true,
      contract: {
        workspaceId: workspace.id,
        workspaceName: workspace.name,
        workspaceType: workspace.type,
        appId: application.id,
        appExe: application.exe,
        appArgs: application.args,
        userId: user.id,
        username: user.username,
        orgId: user.orgId,
        policy:
          workspace.policy === null ? defaultPolicy : workspacePolicySchema.parse(workspace.policy.rules),
      },
      placement: { maxSessions: workspace.maxSessions, requiredTags: workspace.requiredTags },
    };
  }
}
