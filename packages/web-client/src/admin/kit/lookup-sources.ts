import { type Option, type RefSource } from './resource-spec';

/** The IAM's largest page: selects offer at most this many records of one collection. */
export const MAX_OPTIONS = 200;

const text = (item: Record<string, unknown>, key: string): string => {
  const value = item[key];
  return typeof value === 'string' ? value : '';
};

function option(item: Record<string, unknown>, label: string): Option {
  const orgId = text(item, 'orgId');
  return { value: text(item, 'id'), label, ...(orgId === '' ? {} : { orgId }) };
}

export const lookupSources: Record<
  RefSource,
  { path: string; option: (item: Record<string, unknown>) => Option }
> = {
  organizations: { path: '/iam/organizations', option: (item) => option(item, text(item, 'name')) },
  applications: { path: '/iam/applications', option: (item) => option(item, text(item, 'name')) },
  policies: { path: '/iam/policies', option: (item) => option(item, text(item, 'name')) },
  workspaces: { path: '/iam/workspaces', option: (item) => option(item, text(item, 'name')) },
  groups: { path: '/iam/groups', option: (item) => option(item, text(item, 'name')) },
  users: {
    path: '/iam/users',
    option: (item) => {
      const username = text(item, 'username');
      const displayName = text(item, 'displayName');
      return option(
        item,
        displayName && displayName !== username ? `${username} (${displayName})` : username,
      );
    },
  },
};

/** Options of one organization when it is known (a platform admin sees every organization's records). */
export function optionsOfOrg(options: readonly Option[], orgId: string | undefined): Option[] {
  if (orgId === undefined || orgId === '') return [...options];
  return options.filter((option) => option.orgId === undefined || option.orgId === orgId);
}
