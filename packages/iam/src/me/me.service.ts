import { ForbiddenException, Injectable, NotFoundException } from '@nestjs/common';
import {
  defaultPolicy,
  type MeResponse,
  type MyWorkspacesResponse,
  workspacePolicySchema,
} from '@webstream/contracts';
import { type Actor } from '../auth/actor';
import { toAuthUser } from '../users/user-mapper';
import { UsersRepository } from '../users/users.repository';
import { WorkspacesRepository } from '../workspaces/workspaces.repository';

@Injectable()
export class MeService {
  constructor(
    private readonly users: UsersRepository,
    private readonly workspaceRows: WorkspacesRepository,
  ) {}

  async me(actor: Actor): Promise<MeResponse> {
    const user = await this.users.findWithOrganization(this.userId(actor));
    if (user === null) throw new NotFoundException('your account no longer exists');
    return {
      ...toAuthUser(user),
      email: user.email,
      orgName: user.organization.name,
      orgSlug: user.organization.slug,
    };
  }

  /** Workspaces entitled to the user directly or through a group, with their applications in order. */
  async workspaces(actor: Actor): Promise<MyWorkspacesResponse> {
    const userId = this.userId(actor);
    const user = await this.users.findById(userId);
    if (user === null || user.disabled) return { items: [] };
    const rows = await this.workspaceRows.entitledTo(userId);
    return {
      items: rows.map((row) => ({
        id: row.id,
        name: row.name,
        type: row.type,
        description: row.description,
        applications: row.applications.map(({ application }) => ({
          id: application.id,
          name: application.name,
          description: application.description,
          icon: application.icon,
          exe: application.exe,
          args: application.args,
        })),
        policy: row.policy === null ? defaultPolicy : workspacePolicySchema.parse(row.policy.rules),
      })),
    };
  }

  private userId(actor: Actor): string {
    if (actor.kind !== 'user')
      throw new ForbiddenException('an API key has no user of its own; sign in as a user');
    return actor.id;
  }
}
