import { ConflictException, ForbiddenException, Injectable, NotFoundException } from '@nestjs/common';
import { type CreateUser, type ListUsersQuery, type UpdateUser, type User } from '@webstream/contracts';
import { RequestValidationException } from '@webstream/service-kit';
import { AuditTrail } from '../audit/audit-trail';
import { type Actor, assertAdmin, isPlatformAdmin } from '../auth/actor';
import { AccessTokenRevocation } from '../auth/database-token-subjects';
import { PasswordHasher } from '../auth/password-hasher';
import { passwordProblems } from '../auth/password-policy';
import { RefreshTokens } from '../auth/refresh-tokens';
import { IamChanges } from '../changes/iam-changes';
import { contains } from '../common/paging';
import { type CrudOperation, ScopedCrudService } from '../common/scoped-crud.service';
import { type Prisma, type User as UserRow } from '../generated/prisma/client';
import { OrganizationsRepository } from '../organizations/organizations.repository';
import { notFound, targetOrg } from '../tenancy/tenant-scope';
import { dbRole, toUser } from './user-mapper';
import { UsersRepository } from './users.repository';

const SELF_SERVICE_FIELDS = new Set<keyof UpdateUser>(['displayName', 'email', 'password']);

function filter(query: ListUsersQuery): Prisma.UserWhereInput {
  return {
    ...(query.role === undefined ? {} : { role: dbRole(query.role) }),
    ...(query.disabled === undefined ? {} : { disabled: query.disabled }),
    ...(query.groupId === undefined ? {} : { memberships: { some: { groupId: query.groupId } } }),
    ...(query.q === undefined
      ? {}
      : {
          OR: [
            { username: contains(query.q) },
            { displayName: contains(query.q) },
            { email: contains(query.q) },
          ],
        }),
  };
}

@Injectable()
export class UsersService extends ScopedCrudService<
  UserRow,
  User,
  CreateUser,
  UpdateUser,
  ListUsersQuery,
  Prisma.UserWhereInput
> {
  constructor(
    private readonly users: UsersRepository,
    private readonly organizations: OrganizationsRepository,
    private readonly passwords: PasswordHasher,
    private readonly refreshTokens: RefreshTokens,
    private readonly revocation: AccessTokenRevocation,
    audit: AuditTrail,
    changes: IamChanges,
  ) {
    super(users, audit, changes, { auditType: 'user', feedsEntitlements: true, toItem: toUser, filter });
  }

  /** Anyone may read themselves (find() keeps a plain user to their own record) and change some of it. */
  protected override authorize(actor: Actor, operation: CrudOperation): void {
    if (operation !== 'get' && operation !== 'update') super.authorize(actor, operation);
  }

  protected override async insert(actor: Actor, body: CreateUser): Promise<UserRow> {
    const orgId = targetOrg(actor, body.orgId);
    if (body.role === 'platform-admin' && !isPlatformAdmin(actor)) {
      throw new ForbiddenException('role: only a platform administrator may create another');
    }
    if (!(await this.organizations.exists(orgId))) {
      throw new NotFoundException(`orgId: organization ${orgId} does not exist`);
    }
    const problems = passwordProblems(body.password, body.username);
    if (problems.length > 0) throw new RequestValidationException(problems);
    return this.users.create({
      orgId,
      username: body.username,
      email: body.email ?? null,
      displayName: body.displayName ?? '',
      role: dbRole(body.role),
      disabled: body.disabled,
      passwordHash: await this.passwords.hash(body.password),
    });
  }

  /** A user may change their own name, email and password; everything else is an administrator's. */
  protected override async change(actor: Actor, current: UserRow, body: UpdateUser): Promise<UserRow> {
    const self = actor.kind === 'user' && actor.id === current.id;
    const adminFields = (Object.keys(body) as (keyof UpdateUser)[]).filter(
      (field) => body[field] !== undefined && !SELF_SERVICE_FIELDS.has(field),
    );
    if (!self || adminFields.length > 0) assertAdmin(actor, 'write');
    if (self && adminFields.length > 0) {
      throw new ForbiddenException(`${adminFields.join(', ')}: you cannot change your own role or status`);
    }
    this.assertMayManage(actor, current);
    if (body.role === 'platform-admin' && !isPlatformAdmin(actor)) {
      throw new ForbiddenException('role: only a platform administrator may grant it');
    }
    if (
      current.role === 'platform_admin' &&
      ((body.role !== undefined && body.role !== 'platform-admin') || body.disabled === true)
    ) {
      await this.assertAnotherPlatformAdmin(current.id);
    }
    if (body.password !== undefined) {
      const problems = passwordProblems(body.password, current.username);
      if (problems.length > 0) throw new RequestValidationException(problems);
    }
    const row = await this.users.update(current.id, {
      email: body.email,
      displayName: body.displayName,
      role: body.role === undefined ? undefined : dbRole(body.role),
      disabled: body.disabled,
      passwordHash: body.password === undefined ? undefined : await this.passwords.hash(body.password),
    });
    // A new password or a disabled account ends every sign-in the user had: refresh and access tokens alike. A
    // new role makes their access tokens fail too (they claim the old one); a refresh gets one with the new.
    if (body.password !== undefined || body.disabled === true) {
      await this.refreshTokens.revokeAllOf(current.id);
      await this.revocation.revokeAllOf(current.id);
    }
    return row;
  }

  protected override async assertRemovable(actor: Actor, current: UserRow): Promise<void> {
    if (actor.kind === 'user' && actor.id === current.id)
      throw new ConflictException('you cannot delete your own account');
    this.assertMayManage(actor, current);
    if (current.role === 'platform_admin') await this.assertAnotherPlatformAdmin(current.id);
  }

  /** A plain user sees only themselves; an admin their organization's users; a platform admin everyone. */
  protected override async find(actor: Actor, id: string): Promise<UserRow> {
    if (actor.kind === 'user' && actor.role === 'user' && id !== actor.id) throw notFound('user', id);
    return super.find(actor, id);
  }

  private assertMayManage(actor: Actor, target: UserRow): void {
    if (
      target.role === 'platform_admin' &&
      !isPlatformAdmin(actor) &&
      !(actor.kind === 'user' && actor.id === target.id)
    ) {
      throw new ForbiddenException('only a platform administrator may change another');
    }
  }

  private async assertAnotherPlatformAdmin(exceptId: string): Promise<void> {
    if ((await this.users.otherActivePlatformAdmins(exceptId)) === 0)
      throw new ConflictException('this is the last active platform administrator');
  }
}
