import { useMemo, type ReactNode } from 'react';
import { matchPath } from '../../shell/router';
import { useLookups } from './lookups';
import { type Identified, type RefSource, type ResourceSpec } from './resource-spec';
import { type FormPart, ResourceForm } from './ResourceForm';
import { ResourceList } from './ResourceList';

/**
 * The pages of one IAM collection under /admin/<section>: the list, /new and /<id>. `extra` adds a part
 * below a record's form (a group's members), `formPart` one inside it (an identity provider's group mappings).
 */
export function ResourcePages<Item extends Identified, Create, Update>(props: {
  spec: ResourceSpec<Item, Create, Update>;
  path: string;
  platformAdmin: boolean;
  userOrgId: string;
  extra?: (item: Item) => ReactNode;
  formPart?: FormPart;
}) {
  const { spec, path, platformAdmin } = props;
  const refs = useMemo<RefSource[]>(
    () => (platformAdmin ? [...spec.refs] : spec.refs.filter((source) => source !== 'organizations')),
    [spec.refs, platformAdmin],
  );
  const lookups = useLookups(refs);
  const base = `/admin/${spec.section}`;
  if (matchPath(`${base}/new`, path)) {
    return <ResourceForm key="new" {...props} lookups={lookups} />;
  }
  const editId = matchPath(`${base}/:id`, path)?.['id'];
  if (editId !== undefined) return <ResourceForm key={editId} {...props} id={editId} lookups={lookups} />;
  return <ResourceList spec={spec} platformAdmin={platformAdmin} lookups={lookups} />;
}
