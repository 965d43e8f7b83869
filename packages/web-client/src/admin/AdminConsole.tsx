import { type TokenResponse } from '@webstream/contracts';
import { useCallback, useEffect, useRef, useState } from 'react';
import { Link } from '../shell/Link';
import { navigate } from '../shell/router';
import './admin.css';
import { AnnounceContext } from './kit/announce';
import { ResourcePages } from './kit/ResourcePages';
import { AuditPage } from './pages/AuditPage';
import { groupMappingsPart } from './pages/GroupMappingsEditor';
import { GroupMembers } from './pages/GroupMembers';
import { IdentityProviderEndpoints } from './pages/IdentityProviderEndpoints';
import { OperationsPage } from './pages/OperationsPage';
import { ReportsPage } from './pages/ReportsPage';
import {
  applicationsSpec,
  entitlementsSpec,
  groupsSpec,
  identityProvidersSpec,
  organizationsSpec,
  policiesSpec,
  usersSpec,
  workspacesSpec,
} from './resources';
import { sectionOf, sectionsFor } from './sections';

/** The administration console under /admin/<section>: a side navigation and the section's pages. */
export function AdminConsole(props: { path: string; user: TokenResponse['user'] }) {
  const { path, user } = props;
  const platformAdmin = user.role === 'platform-admin';
  const sections = sectionsFor(user.role);
  const section = sectionOf(path, user.role);
  const [message, setMessage] = useState('');
  const clearTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);

  // /admin, or a section this user may not see: the first section they may.
  useEffect(() => {
    if (section === undefined) navigate('/admin/users', { replace: true });
  }, [section]);

  const announce = useCallback((text: string) => {
    // Cleared first, so that the same message twice is announced twice.
    setMessage('');
    clearTimeout(clearTimer.current);
    requestAnimationFrame(() => setMessage(text));
    clearTimer.current = setTimeout(() => setMessage(''), 15_000);
  }, []);
  useEffect(() => () => clearTimeout(clearTimer.current), []);

  const common = { path, platformAdmin, userOrgId: user.orgId };
  let page;
  switch (section?.id) {
    case 'organizations':
      page = <ResourcePages spec={organizationsSpec} {...common} />;
      break;
    case 'users':
      page = <ResourcePages spec={usersSpec} {...common} />;
      break;
    case 'groups':
      page = (
        <ResourcePages spec={groupsSpec} {...common} extra={(group) => <GroupMembers group={group} />} />
      );
      break;
    case 'identity-providers':
      page = (
        <ResourcePages
          spec={identityProvidersSpec}
          {...common}
          formPart={groupMappingsPart}
          extra={(provider) => <IdentityProviderEndpoints provider={provider} />}
        />
      );
      break;
    case 'applications':
      page = <ResourcePages spec={applicationsSpec} {...common} />;
      break;
    case 'policies':
      page = <ResourcePages spec={policiesSpec} {...common} />;
      break;
    case 'workspaces':
      page = <ResourcePages spec={workspacesSpec} {...common} />;
      break;
    case 'entitlements':
      page = <ResourcePages spec={entitlementsSpec} {...common} />;
      break;
    case 'operations':
      page = <OperationsPage platformAdmin={platformAdmin} />;
      break;
    case 'reports':
      page = <ReportsPage />;
      break;
    case 'audit':
      page = <AuditPage platformAdmin={platformAdmin} />;
      break;
    case undefined:
      page = null;
      break;
  }

  return (
    <AnnounceContext.Provider value={announce}>
      <div className="admin">
        <nav aria-label="Administration" className="admin-nav">
          <ul>
            {sections.map((entry) => (
              <li key={entry.id}>
                <Link
                  href={`/admin/${entry.id}`}
                  aria-current={section?.id === entry.id ? 'page' : undefined}
                >
                  {entry.label}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <main className="admin-main" id="admin-main">
          <p role="status" className="admin-status" data-empty={message === '' ? true : undefined}>
            {message}
          </p>
          {/* The key remounts a section's state when another section opens. */}
          <div key={section?.id ?? 'none'}>{page}</div>
        </main>
      </div>
    </AnnounceContext.Provider>
  );
}
