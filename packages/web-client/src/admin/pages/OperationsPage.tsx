import {
  adminBackendsRoute,
  adminDisconnectRoute,
  adminHealthRoute,
  adminLicenceRoute,
  adminSessionsRoute,
  adminWebSocketsRoute,
  type AdminBackendsResponse,
  type AdminHealthResponse,
  type AdminLicenceResponse,
  type AdminSessionsResponse,
  type AdminWebSocketsResponse,
  type OperationsNodesResponse,
  type OperationsSessionsResponse,
  adminEngineRoutes,
} from '@webstream/contracts';
import { type ReactNode, useCallback, useEffect, useRef, useState } from 'react';
import { session } from '../../api/http';
import { errorText } from '../api';
import { useAnnounce } from '../kit/announce';
import { ConfirmDialog } from '../kit/ConfirmDialog';
import { DataTable } from '../kit/DataTable';
import { LoadError } from '../kit/LoadError';
import { backendColumns, nodeColumns, webSocketColumns } from './operations-columns';
import { useFocusOnMount, useInterval } from '../kit/hooks';
import {
  daysUntil,
  formatNumber,
  formatRate,
  formatSince,
  seatUsage,
  withLiveMetrics,
  type SessionRow,
} from '../operations-data';

const REFRESH_MS = 5000;

/** One part of the page: its last good answer and the error of the last attempt, if it failed. */
interface Part<T> {
  data?: T;
  error?: string;
}

interface State {
  health: Part<AdminHealthResponse>;
  backends: Part<AdminBackendsResponse>;
  sessions: Part<AdminSessionsResponse>;
  licence: Part<AdminLicenceResponse>;
  websockets: Part<AdminWebSocketsResponse>;
  live: Part<OperationsSessionsResponse>;
  nodes: Part<OperationsNodesResponse>;
  updatedAt?: Date;
}

type Key = Exclude<keyof State, 'updatedAt'>;

function settle<T>(previous: Part<T>, result: PromiseSettledResult<T> | undefined): Part<T> {
  if (result === undefined) return previous;
  return result.status === 'fulfilled'
    ? { data: result.value }
    : { ...previous, error: errorText(result.reason) };
}

/** What the gateway depends on (platform admins), session hosts, active sessions (with live figures), licence seats and relayed sockets; refreshed every 5 s. */
export function OperationsPage(props: { platformAdmin: boolean }) {
  const { platformAdmin } = props;
  const announce = useAnnounce();
  const heading = useFocusOnMount<HTMLHeadingElement>();
  const [state, setState] = useState<State>({
    health: {},
    backends: {},
    sessions: {},
    licence: {},
    websockets: {},
    live: {},
    nodes: {},
  });
  const [disconnecting, setDisconnecting] = useState<SessionRow | undefined>();
  const [busy, setBusy] = useState(false);
  const [actionError, setActionError] = useState<string | undefined>();
  const inFlight = useRef(false);

  const refresh = useCallback(async (): Promise<void> => {
    if (inFlight.current) return;
    inFlight.current = true;
    const calls: [Key, Promise<unknown>][] = [
      ['backends', session.call(adminBackendsRoute, {})],
      ['sessions', session.call(adminSessionsRoute, {})],
      ['licence', session.call(adminLicenceRoute, {})],
      ['websockets', session.call(adminWebSocketsRoute, {})],
      ...(platformAdmin
        ? ([
            ['health', session.call(adminHealthRoute, {})],
            ['live', session.call(adminEngineRoutes.sessions, {})],
            ['nodes', session.call(adminEngineRoutes.nodes, {})],
          ] as [Key, Promise<unknown>][])
        : []),
    ];
    const results = await Promise.allSettled(calls.map(([, call]) => call));
    const byKey = new Map(calls.map(([key], index) => [key, results[index]]));
    inFlight.current = false;
    setState((previous) => ({
      health: settle(previous.health, byKey.get('health') as PromiseSettledResult<AdminHealthResponse>),
      backends: settle(
        previous.backends,
        byKey.get('backends') as PromiseSettledResult<AdminBackendsResponse>,
      ),
      sessions: settle(
        previous.sessions,
        byKey.get('sessions') as PromiseSettledResult<AdminSessionsResponse>,
      ),
      licence: settle(previous.licence, byKey.get('licence') as PromiseSettledResult<AdminLicenceResponse>),
      websockets: settle(
        previous.websockets,
        byKey.get('websockets') as PromiseSettledResult<AdminWebSocketsResponse>,
      ),
      live: settle(previous.live, byKey.get('live') as PromiseSettledResult<OperationsSessionsResponse>),
      nodes: settle(previous.nodes, byKey.get('nodes') as PromiseSettledResult<OperationsNodesResponse>),
      updatedAt: new Date(),
    }));
  }, [platformAdmin]);

  useEffect(() => {
    void refresh();
  }, [refresh]);
  useInterval(() => void refresh(), REFRESH_MS);

  const disconnect = async (row: SessionRow): Promise<void> => {
    setBusy(true);
    setActionError(undefined);
    try {
      await session.call(adminDisconnectRoute, { params: { sessionId: row.sessionId } });
      announce(`Session of ${row.username} on ${row.workspaceName} disconnected.`);
      void refresh();
    } catch (error) {
      setActionError(`Could not disconnect: ${errorText(error)}`);
    } finally {
      setDisconnecting(undefined);
      setBusy(false);
    }
  };

  const rows = withLiveMetrics(state.sessions.data?.items ?? [], state.live.data?.sessions);
  const now = state.updatedAt?.getTime() ?? Date.now();
  const licence = state.licence.data;

  return (
    <section className="admin-page" aria-labelledby="operations-heading">
      <div className="admin-page-head">
        <h1 id="operations-heading" ref={heading} tabIndex={-1}>
          Operations
        </h1>
        <button type="button" onClick={() => void refresh()}>
          Refresh now
        </button>
      </div>
      <p className="hint">
        Refreshed every 5 seconds while this tab is visible
        {state.updatedAt ? ` · last update ${state.updatedAt.toLocaleTimeString()}` : ''}.
      </p>
      {actionError && (
        <p role="alert" className="error">
          {actionError}
        </p>
      )}

      {platformAdmin && <PlatformHealth part={state.health} now={now} />}

      <PartSection id="licence" title="Licence" name="the licence" error={state.licence.error}>
        {licence && (
          <dl className="admin-stats">
            <div>
              <dt>Seats</dt>
              <dd>
                {seatUsage(licence).text}
                {seatUsage(licence).share !== undefined && (
                  <meter
                    min={0}
                    max={1}
                    low={0.7}
                    high={0.9}
                    optimum={0}
                    value={seatUsage(licence).share}
                    aria-label="Seats used"
                  />
                )}
              </dd>
            </div>
            <div>
              <dt>Status</dt>
              <dd className={licence.valid ? undefined : 'error'}>
                {licence.valid ? 'Valid' : `Not valid${licence.problem ? `: ${licence.problem}` : ''}`}
              </dd>
            </div>
            <div>
              <dt>Expires</dt>
              <dd>
                {licence.expiresAt === undefined
                  ? 'Never'
                  : `${licence.expiresAt.slice(0, 10)} (${daysUntil(licence.expiresAt, now)} days)`}
              </dd>
            </div>
            {licence.licensee && (
              <div>
                <dt>Licensee</dt>
                <dd>
                  {licence.licensee}
                  {licence.kind ? ` (${licence.kind})` : ''}
                </dd>
              </div>
            )}
          </dl>
        )}
      </PartSection>

      <PartSection id="backends" title="Session hosts" name="the session hosts" error={state.backends.error}>
        <DataTable
          caption="Backends"
          rows={state.backends.data?.items}
          rowKey={(backend) => backend.serverUrl}
          empty="No session host is registered."
          columns={backendColumns(now)}
        />
      </PartSection>

      <PartSection id="sessions" title="Active sessions" name="the sessions" error={state.sessions.error}>
        {platformAdmin && state.live.error && (
          <p className="hint">Live figures are not available: {state.live.error}</p>
        )}
        <DataTable
          caption="Sessions"
          rows={state.sessions.data ? rows : undefined}
          rowKey={(row) => row.sessionId}
          empty="No active sessions."
          columns={[
            { header: 'User', cell: (row) => row.username, sortValue: (row) => row.username },
            { header: 'Workspace', cell: (row) => row.workspaceName, sortValue: (row) => row.workspaceName },
            { header: 'Application', cell: (row) => row.appExe, sortValue: (row) => row.appExe },
            { header: 'Backend', cell: (row) => row.backend, sortValue: (row) => row.backend },
            { header: 'State', cell: (row) => row.state, sortValue: (row) => row.state },
            {
              header: 'Since',
              cell: (row) => (
                <time dateTime={row.createdAt} title={row.createdAt}>
                  {formatSince(row.createdAt, now)}
                </time>
              ),
              sortValue: (row) => row.createdAt,
            },
            { header: 'FPS', cell: (row) => formatNumber(row.fps), sortValue: (row) => row.fps },
            {
              header: 'Bandwidth',
              cell: (row) => formatRate(row.bandwidth),
              sortValue: (row) => row.bandwidth,
            },
            {
              header: 'Latency',
              cell: (row) => (row.latency === null ? '—' : `${formatNumber(row.latency)} ms`),
              sortValue: (row) => row.latency,
            },
            {
              header: 'Actions',
              hiddenHeader: true,
              className: 'admin-row-actions',
              cell: (row) => (
                <button
                  type="button"
                  className="danger"
                  aria-label={`Disconnect ${row.username} from ${row.workspaceName}`}
                  onClick={() => setDisconnecting(row)}
                >
                  Disconnect
                </button>
              ),
            },
          ]}
        />
      </PartSection>

      {platformAdmin && state.nodes.data && (
        <section className="admin-subsection" aria-labelledby="nodes-heading">
          <h2 id="nodes-heading">Reporting nodes</h2>
          <DataTable
            caption="Nodes"
            rows={state.nodes.data.nodes}
            rowKey={(node) => node.node}
            empty="No node has reported."
            columns={nodeColumns(now)}
          />
        </section>
      )}

      <PartSection
        id="websockets"
        title="Relayed WebSockets"
        name="the WebSockets"
        error={state.websockets.error}
      >
        <DataTable
          caption="WebSockets"
          rows={state.websockets.data?.items}
          rowKey={(socket) => socket.id}
          empty="No relayed WebSockets."
          columns={webSocketColumns(now)}
        />
      </PartSection>

      {disconnecting && (
        <ConfirmDialog
          title="Disconnect session?"
          message={`Disconnect ${disconnecting.username} from ${disconnecting.workspaceName}? Unsaved work in the session may be lost.`}
          confirmLabel="Disconnect"
          busy={busy}
          onConfirm={() => void disconnect(disconnecting)}
          onCancel={() => setDisconnecting(undefined)}
        />
      )}
    </section>
  );
}

/** A part of the page under its heading; `name` says what failed to load when its last refresh did. */
function PartSection(props: {
  id: string;
  title: string;
  name: string;
  error: string | undefined;
  children: ReactNode;
}) {
  return (
    <section className="admin-subsection" aria-labelledby={`${props.id}-heading`}>
      <h2 id={`${props.id}-heading`}>{props.title}</h2>
      <LoadError name={props.name} error={props.error} />
      {props.children}
    </section>
  );
}

/** The gateway's view of what it depends on, from its own timed checks (GET /gateway/admin/health). */
function PlatformHealth(props: { part: Part<AdminHealthResponse>; now: number }) {
  const { part, now } = props;
  const health = part.data;
  return (
    <PartSection id="platform-health" title="Platform health" name="the platform health" error={part.error}>
      {health && (
        <>
          <p>
            Overall: <span className={`badge badge-${health.status}`}>{health.status}</span>
            {health.checkedAt ? ` · checked ${formatSince(health.checkedAt, now)} ago` : ' · not checked yet'}
          </p>
          <DataTable
            caption="Services the gateway depends on"
            rows={health.services}
            rowKey={(service) => `${service.kind}:${service.name}`}
            empty="The gateway depends on nothing it can check."
            columns={[
              { header: 'Service', cell: (service) => service.name, sortValue: (service) => service.name },
              { header: 'Kind', cell: (service) => service.kind, sortValue: (service) => service.kind },
              {
                header: 'Status',
                cell: (service) => <span className={`badge badge-${service.status}`}>{service.status}</span>,
                sortValue: (service) => service.status,
              },
              {
                header: 'Latency',
                cell: (service) =>
                  service.latencyMs === null ? '—' : `${formatNumber(service.latencyMs, 1)} ms`,
                sortValue: (service) => service.latencyMs,
              },
              { header: 'Where', cell: (service) => service.url },
              { header: 'Detail', cell: (service) => service.detail ?? '' },
            ]}
          />
        </>
      )}
    </PartSection>
  );
}
