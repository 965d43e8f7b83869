import { Injectable } from '@nestjs/common';
import { AuditTrail } from '../audit/audit-trail';
import { type Actor } from '../auth/actor';
import { IamChanges } from '../changes/iam-changes';
import { type User as UserRow } from '../generated/prisma/client';
import { GroupsRepository } from '../groups/groups.repository';
import { type IdentityProviderWithMappings } from '../identity-providers/identity-providers.repository';
import { apiRole } from '../users/user-mapper';
import { ExternalIdentitiesRepository } from './external-identities.repository';
import { SsoRefusal } from './sso-refusal';

/** Who the provider says signed in, read through the provider's claim names. */
export interface ExternalProfile {
  subject: string;
  username: string | undefined;
  displayName: string | undefined;
  email: string | undefined;
  groups: string[];
}

const MAX_USERNAME_LENGTH = 128;

/**
 * The WebStream user behind a provider's sign-in: the one linked to its subject, or a new one (just-in-time
 * provisioning); their mapped group memberships made to follow the provider's groups at every sign-in.
 */
@Injectable()
export class SsoAccounts {
  constructor(
    private readonly identities: ExternalIdentitiesRepository,
    private readonly groups: GroupsRepository,
    private readonly changes: IamChanges,
    private readonly audit: AuditTrail,
  ) {}

  async signedIn(provider: IdentityProviderWithMappings, profile: ExternalProfile): Promise<UserRow> {
    const linked = await this.identities.userOf(provider.id, profile.subject);
    const user =
      linked === null
        ? await this.provision(provider, profile)
        : await this.identities.refresh(provider.id, profile.subject, linked.id, {
            displayName: profile.displayName ?? linked.displayName,
            email: profile.email ?? linked.email,
          });
    if (user.disabled) throw new SsoRefusal('account_disabled', 'this WebStream account is disabled');
    await this.followGroups(provider, user, profile.groups);
    return user;
  }

  private async provision(
    provider: IdentityProviderWithMappings,
    profile: ExternalProfile,
  ): Promise<UserRow> {
    if (!provider.jitProvisioning) {
      throw new SsoRefusal(
        'not_provisioned',
        `no WebStream account is linked to this ${provider.name} user, and the provider may not create one`,
      );
    }
    const username = profile.username?.trim();
    if (!username || username.length > MAX_USERNAME_LENGTH) {
      throw new SsoRefusal(
        'sso_failed',
        `the provider sent no usable ${provider.usernameClaim} claim for the user name`,
      );
    }
    try {
      return await this.identities.provision(provider.id, profile.subject, {
        orgId: provider.orgId,
        username,
        displayName: profile.displayName ?? username,
        email: profile.email ?? null,
      });
    } catch (error) {
      // An existing local account of that name is never taken over by a provider's say-so.
      if ((error as { code?: string }).code === 'P2002') {
        throw new SsoRefusal(
          'not_provisioned',
          `a WebStream user named ${username} already exists and is not linked to ${provider.name}`,
        );
      }
      throw error;
    }
  }

  /** Each mapped IAM group: a member exactly when one of its provider groups is among the user's. */
  private async followGroups(
    provider: IdentityProviderWithMappings,
    user: UserRow,
    externalGroups: readonly string[],
  ): Promise<void> {
    if (provider.groupMappings.length === 0) return;
    const theirs = new Set(externalGroups);
    const mapped = new Set(provider.groupMappings.map((mapping) => mapping.groupId));
    const wanted = new Set(
      provider.groupMappings
        .filter((mapping) => theirs.has(mapping.externalGroup))
        .map((mapping) => mapping.groupId),
    );
    const current = await this.identities.membershipsAmong(user.id, [...mapped]);
    const actor: Actor = {
      kind: 'user',
      id: user.id,
      name: `${user.username} (signed in with ${provider.name})`,
      orgId: user.orgId,
      role: apiRole(user.role),
    };
    let changed = false;
    for (const groupId of mapped) {
      if (wanted.has(groupId) && !current.has(groupId)) {
        await this.groups.addMember(groupId, user.id);
        this.auditMembership(actor, groupId, user.id, 'add');
        changed = true;
      } else if (!wanted.has(groupId) && current.has(groupId)) {
        await this.groups.removeMember(groupId, user.id);
        this.auditMembership(actor, groupId, user.id, 'remove');
        changed = true;
      }
    }
    if (changed) await this.changes.changed();
  }

  private auditMembership(actor: Actor, groupId: string, userId: string, change: 'add' | 'remove'): void {
    const membership = { groupId, userId };
    this.audit.change(actor, {
      action: `group.member-${change}`,
      targetType: 'group',
      targetId: groupId,
      orgId: actor.orgId,
      before: change === 'add' ? null : membership,
      after: change === 'add' ? membership : null,
    });
  }
}
