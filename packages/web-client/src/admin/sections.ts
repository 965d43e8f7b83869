import { type UserRole } from '@webstream/contracts';

export type AdminSectionId =
  | 'organizations'
  | 'users'
  | 'groups'
  | 'identity-providers'
  | 'applications'
  | 'policies'
  | 'workspaces'
  | 'entitlements'
  | 'operations'
  | 'reports'
  | 'audit';

export interface AdminSection {
  /** /admin/<id> */
  id: AdminSectionId;
  label: string;
  platformAdminOnly?: boolean;
}

/** The console's side navigation, in order. */
export const ADMIN_SECTIONS: readonly AdminSection[] = [
  { id: 'organizations', label: 'Organizations', platformAdminOnly: true },
  { id: 'users', label: 'Users' },
  { id: 'groups', label: 'Groups' },
  { id: 'identity-providers', label: 'Identity providers' },
  { id: 'applications', label: 'Applications' },
  { id: 'policies', label: 'Policies' },
  { id: 'workspaces', label: 'Workspaces' },
  { id: 'entitlements', label: 'Entitlements' },
  { id: 'operations', label: 'Operations' },
  { id: 'reports', label: 'Reports' },
  { id: 'audit', label: 'Audit log' },
];

export function sectionsFor(role: UserRole): AdminSection[] {
  return ADMIN_SECTIONS.filter((section) => !section.platformAdminOnly || role === 'platform-admin');
}

/** The section a path is in (/admin/users/123 → users), or undefined for /admin itself or an unknown one. */
export function sectionOf(path: string, role: UserRole): AdminSection | undefined {
  const id = path.split('/').filter(Boolean)[1];
  return sectionsFor(role).find((section) => section.id === id);
}
