import { ConflictException, ForbiddenException, Injectable, NotFoundException } from '@nestjs/common';
import {
  type CreateUser,
  type ListUsersQuery,
  type Page,
  type UpdateUser,
  type User,
} from '@webstream/contracts';
import { RequestValidationException } from '@webstream/service-kit';
import { AuditTrail } from '../audit/audit-trail';
import { type Actor, assertAdmin, isPlatformAdmin } from '../auth/actor';
import { AccessTokenRevocation } from '../auth/database-token-subjects';
import { PasswordHasher } from '../auth/password-hasher';
import { passwordProblems } from '../auth/password-policy';
import { RefreshTokens } from '../auth/refresh-tokens';
import { IamChanges } from '../changes/iam-changes';
import { contains, fetchPage } from '../common/paging';
import { IamDatabase } from '../database/iam-database';
import { type Prisma, type User as UserRow } from '../generated/prisma/client';
import { notFound, readScope, recordScope, targetOrg } from '../tenancy/tenant-scope';
import { dbRole, toUser } from './user-mapper';

const SELF_SERVICE_FIELDS = new Set<keyof UpdateUser>(['displayName', 'email', 'password']);

@Injectable()
export class UsersService {
  constructor(
    private readonly db: IamDatabase,
    private readonly passwords: PasswordHasher,
    private readonly refreshTokens: RefreshTokens,
    private readonly revocation: AccessTokenRevocation,
    private readonly audit: AuditTrail,
    private readonly changes: IamChanges,
  ) {}

  async list(actor: Actor, query: ListUsersQuery): Promise<Page<User>> {
    assertAdmin(actor, 'read');
    const where: Prisma.UserWhereInput = {
      ...readScope(actor, query.orgId),
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
    return fetchPage(
      query,
      (window) => this.db.user.findMany({ where, orderBy: { username: 'asc' }, ...window }),
      () => this.db.user.count({ where }),
      toUser,
    );
  }

  async get(actor: Actor, id: string): Promise<User> {
    return toUser(await this.find(actor, id));
  }

  async create(actor: Actor, body: CreateUser): Promise<User> {
    assertAdmin(actor, 'write');
    const orgId = targetOrg(actor, body.orgId);
    if (body.role === 'platform-admin' && !isPlatformAdmin(actor)) {
      throw new ForbiddenException('role: only a platform administrator may create another');
    }
    if ((await this.db.organization.count({ where: { id: orgId } })) === 0) {
      throw new NotFoundException(`orgId: organization ${orgId} does not exist`);
    }
    const problems = passwordProblems(body.password, body.username);
    if (problems.length > 0) throw new RequestValidationException(problems);
    const row = await this.db.user.create({
      data: {
        orgId,
        username: body.username,
        email: body.email ?? null,
        displayName: body.displayName ?? '',
        role: dbRole(body.role),
        disabled: body.disabled,
        passwordHash: await this.passwords.hash(body.password),
      },
    });
    const created = toUser(row);
    this.audit.change(actor, {
      action: 'user.create',
      targetType: 'user',
      targetId: row.id,
      orgId,
      before: null,
      after: created,
    });
    return created;
  }

  async update(actor: Actor, id: string, body: UpdateUser): Promise<User> {
    const current = await this.find(actor, id);
    const self = actor.kind === 'user' && actor.id === id;
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
      await this.assertAnotherPlatformAdmin(id);
    }
    if (body.password !== undefined) {
      const problems = passwordProblems(body.password, current.username);
      if (problems.length > 0) throw new RequestValidationException(problems);
    }
    const row = await this.db.user.update({
      where: { id },
      data: {
        email: body.email,
        displayName: body.displayName,
        role: body.role === undefined ? undefined : dbRole(body.role),
        disabled: body.disabled,
        passwordHash: body.password === undefined ? undefined : await this.passwords.hash(body.password),
      },
    });
    // A new password or a disabled account ends every sign-in the user had: refresh and access tokens alike. A
    // new role makes their access tokens fail too (they claim the old one); a refresh gets one with the new.
    if (body.password !== undefined || body.disabled === true) {
      await this.refreshTokens.revokeAllOf(id);
      await this.revocation.revokeAllOf(id);
    } else if (body.disabled !== undefined || body.role !== undefined) {
      await this.changes.changed();
    }
    const after = toUser(row);
    this.audit.change(actor, {
      action: 'user.update',
      targetType: 'user',
      targetId: id,
      orgId: row.orgId,
      before: toUser(current),
      after,
    });
    return after;
  }

  async remove(actor: Actor, id: string): Promise<void> {
    assertAdmin(actor, 'write');
    const current = await this.find(actor, id);
    if (actor.kind === 'user' && actor.id === id)
      throw new ConflictException('you cannot delete your own account');
    this.assertMayManage(actor, current);
    if (current.role === 'platform_admin') await this.assertAnotherPlatformAdmin(id);
    await this.db.user.delete({ where: { id } });
    await this.changes.changed();
    this.audit.change(actor, {
      action: 'user.delete',
      targetType: 'user',
      targetId: id,
      orgId: current.orgId,
      before: toUser(current),
      after: null,
    });
  }

  /** A plain user sees only themselves; an admin their organization's users; a platform admin everyone. */
  private async find(actor: Actor, id: string): Promise<UserRow> {
    const ownOnly = actor.kind === 'user' && actor.role === 'user';
    const row =
      ownOnly && id !== actor.id
        ? null
        : await this.db.user.findFirst({ where: { id, ...recordScope(actor) } });
    if (row === null) throw notFound('user', id);
    return row;
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
    const others = await this.db.user.count({
      where: { role: 'platform_admin', disabled: false, id: { not: exceptId } },
    });
    if (others === 0) throw new ConflictException('this is the last active platform administrator');
  }
}
