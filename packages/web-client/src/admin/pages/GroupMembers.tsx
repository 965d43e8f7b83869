import { groupMemberRoutes, type Group, type User } from '@webstream/contracts';
import { useState } from 'react';
import { session } from '../../api/http';
import { errorText, listPage } from '../api';
import { useAnnounce } from '../kit/announce';
import { ConfirmDialog } from '../kit/ConfirmDialog';
import { DataTable } from '../kit/DataTable';
import { useLoad } from '../kit/hooks';
import { MAX_OPTIONS, optionsOfOrg } from '../kit/lookup-sources';
import { useLookups } from '../kit/lookups';

const USERS: readonly ['users'] = ['users'];

/** A group's members below its form: add a user of the group's organization, remove one (confirmed). */
export function GroupMembers(props: { group: Group }) {
  const { group } = props;
  const announce = useAnnounce();
  const lookups = useLookups(USERS);
  const members = useLoad(
    (signal) => listPage<User>(groupMemberRoutes.list, { pageSize: MAX_OPTIONS }, signal, { id: group.id }),
    group.id,
  );
  const [userId, setUserId] = useState('');
  const [removing, setRemoving] = useState<User | undefined>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();

  const memberIds = new Set(members.data?.items.map((user) => user.id));
  const candidates = optionsOfOrg(lookups.options('users'), group.orgId).filter(
    (option) => !memberIds.has(option.value),
  );

  const add = async (): Promise<void> => {
    if (userId === '') {
      setError('Choose a user to add.');
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      await session.call(groupMemberRoutes.add, { params: { id: group.id, userId } });
      announce(`${lookups.nameOf('users', userId)} added to ${group.name}.`);
      setUserId('');
      members.reload();
    } catch (caught) {
      setError(errorText(caught));
    } finally {
      setBusy(false);
    }
  };

  const remove = async (user: User): Promise<void> => {
    setBusy(true);
    setError(undefined);
    try {
      await session.call(groupMemberRoutes.remove, { params: { id: group.id, userId: user.id } });
      announce(`${user.username} removed from ${group.name}.`);
      members.reload();
    } catch (caught) {
      setError(errorText(caught));
    } finally {
      setRemoving(undefined);
      setBusy(false);
    }
  };

  return (
    <section className="admin-subsection" aria-labelledby="group-members-heading">
      <h2 id="group-members-heading">Members</h2>
      <form
        className="admin-toolbar"
        aria-label="Add a member"
        onSubmit={(event) => {
          event.preventDefault();
          void add();
        }}
      >
        <div className="admin-field">
          <label htmlFor="group-member-user">User</label>
          <select
            id="group-member-user"
            value={userId}
            aria-invalid={error === 'Choose a user to add.' ? true : undefined}
            onChange={(event) => setUserId(event.target.value)}
          >
            <option value="">Choose a user</option>
            {candidates.map((option) => (
              <option key={option.value} value={option.value}>
                {option.label}
              </option>
            ))}
          </select>
        </div>
        <button type="submit" className="primary" disabled={busy}>
          Add member
        </button>
      </form>
      {(error ?? members.error) && (
        <p role="alert" className="error">
          {error ?? members.error}
        </p>
      )}
      <DataTable
        caption={`Members of ${group.name}`}
        rows={members.data?.items}
        rowKey={(user) => user.id}
        busy={members.loading}
        empty="No members yet."
        columns={[
          { header: 'User name', cell: (user) => user.username, sortValue: (user) => user.username },
          { header: 'Display name', cell: (user) => user.displayName, sortValue: (user) => user.displayName },
          {
            header: 'Actions',
            hiddenHeader: true,
            className: 'admin-row-actions',
            cell: (user) => (
              <button
                type="button"
                className="danger"
                aria-label={`Remove ${user.username}`}
                onClick={() => setRemoving(user)}
              >
                Remove
              </button>
            ),
          },
        ]}
      />
      {members.data && members.data.total > members.data.items.length && (
        <p className="hint">
          Showing {members.data.items.length} of {members.data.total} members.
        </p>
      )}
      {removing && (
        <ConfirmDialog
          title="Remove member?"
          message={`Remove ${removing.username} from ${group.name}?`}
          confirmLabel="Remove"
          busy={busy}
          onConfirm={() => void remove(removing)}
          onCancel={() => setRemoving(undefined)}
        />
      )}
    </section>
  );
}
