import {
  applicationRoutes,
  type EndpointDefinition,
  groupRoutes,
  organizationRoutes,
  policyRoutes,
  userRoutes,
  workspaceRoutes,
} from '@webstream/contracts';
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
  { list: EndpointDefinition; option: (item: Record<string, unknown>) => Option }
> = {
  organizations: { list: organizationRoutes.list, option: (item) => option(item, text(item, 'name')) },
  applications: { list: applicationRoutes.list, option: (item) => option(item, text(item, 'name')) },
  policies: { list: policyRoutes.list, option: (item) => option(item, text(item, 'name')) },
  workspaces: { list: workspaceRoutes.list, option: (item) => option(item, text(item, 'name')) },
  groups: { list: groupRoutes.list, option: (item) => option(item, text(item, 'name')) },
  users: {
    list: userRoutes.list,
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
