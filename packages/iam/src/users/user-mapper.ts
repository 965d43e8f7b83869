import { type AuthUser, type User, type UserRole } from '@webstream/contracts';
import { type User as UserRow, type UserRole as DbUserRole } from '../generated/prisma/client';
import { iso } from '../common/paging';

const toApiRole = {
  platform_admin: 'platform-admin',
  org_admin: 'org-admin',
  user: 'user',
} as const satisfies Record<DbUserRole, UserRole>;

const toDbRole = {
  'platform-admin': 'platform_admin',
  'org-admin': 'org_admin',
  user: 'user',
} as const satisfies Record<UserRole, DbUserRole>;

export function apiRole(role: DbUserRole): UserRole {
  return toApiRole[role];
}

export function dbRole(role: UserRole): DbUserRole {
  return toDbRole[role];
}

/** The user as the API shows it: never the password hash. */
export function toUser(row: UserRow): User {
  return {
    id: row.id,
    orgId: row.orgId,
    username: row.username,
    email: row.email,
    displayName: row.displayName,
    role: apiRole(row.role),
    disabled: row.disabled,
    lastLoginAt: iso(row.lastLoginAt),
    createdAt: iso(row.createdAt),
    updatedAt: iso(row.updatedAt),
  };
}

export function toAuthUser(row: UserRow): AuthUser {
  return {
    id: row.id,
    username: row.username,
    displayName: row.displayName,
    orgId: row.orgId,
    role: apiRole(row.role),
  };
}
