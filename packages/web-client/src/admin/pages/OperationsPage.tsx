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
import { useCallback, useEffect, useRef, useState } from 'react';
import { session } from '../../api/http';
import { errorText } from '../api';
import { useAnnounce } from '../kit/announce';
import { ConfirmDialog } from '../kit/ConfirmDialog';
import { useInterval } from '../kit/hooks';
import { useFocusOnMount } from '../kit/ResourcePages';
import {
  daysUntil,
  formatNumber,
  formatPercent,
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

      <section className="admin-subsection" aria-labelledby="licence-heading">
        <h2 id="licence-heading">Licence</h2>
        <PartError name="the licence" error={state.licence.error} />
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
      </section>

      <section className="admin-subsection" aria-labelledby="backends-heading">
        <h2 id="backends-heading">Session hosts</h2>
        <PartError name="the session hosts" error={state.backends.error} />
        <div className="admin-table-wrap">
          <table className="admin-table">
            <caption>Backends</caption>
            <thead>
              <tr>
                <th scope="col">Server</th>
                <th scope="col">Health</th>
                <th scope="col">Status</th>
                <th scope="col">Sessions</th>
                <th scope="col">CPU</th>
                <th scope="col">Memory</th>
                <th scope="col">Tags</th>
                <th scope="col">Last seen</th>
              </tr>
            </thead>
            <tbody>
              {state.backends.data?.items.map((backend) => (
                <tr key={backend.serverUrl}>
                  <th scope="row">{backend.serverUrl}</th>
                  <td>
                    <span className={`badge badge-${backend.health}`}>{backend.health}</span>
                  </td>
                  <td>{backend.status}</td>
                  <td>
                    {backend.activeSessions}/{backend.maxSessions}
                    {backend.pendingSessions > 0 ? ` (+${backend.pendingSessions} pending)` : ''}
                  </td>
                  <td>{formatPercent(backend.cpuUsage)}</td>
                  <td>{formatPercent(backend.memoryUsage)}</td>
                  <td>{backend.tags.join(', ')}</td>
                  <td>{formatSince(backend.lastSeenAt, now)} ago</td>
                </tr>
              ))}
              {state.backends.data?.items.length === 0 && (
                <tr>
                  <td colSpan={8}>No session host is registered.</td>
                </tr>
              )}
            </tbody>
          </table>
        </div>
      </section>

      <section className="admin-subsection" aria-labelledby="sessions-heading">
        <h2 id="sessions-heading">Active sessions</h2>
        <PartError name="the sessions" error={state.sessions.error} />
        {platformAdmin && state.live.error && (
          <p className="hint">Live figures are not available: {state.live.error}</p>
        )}
        <div className="admin-table-wrap">
          <table className="admin-table">
            <caption>Sessions</caption>
            <thead>
              <tr>
                <th scope="col">User</th>
                <th scope="col">Workspace</th>
                <th scope="col">Application</th>
                <th scope="col">Backend</th>
                <th scope="col">State</th>
                <th scope="col">Since</th>
                <th scope="col">FPS</th>
                <th scope="col">Bandwidth</th>
                <th scope="col">Latency</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map((row) => (
                <tr key={row.sessionId}>
                  <th scope="row">{row.username}</th>
                  <td>{row.workspaceName}</td>
                  <td>{row.appExe}</td>
                  <td>{row.backend}</td>
                  <td>{row.state}</td>
                  <td>
                    <time dateTime={row.createdAt} title={row.createdAt}>
                      {formatSince(row.createdAt, now)}
                    </time>
                  </td>
                  <td>{formatNumber(row.fps)}</td>
                  <td>{formatRate(row.bandwidth)}</td>
                  <td>{row.latency === null ? '—' : `${formatNumber(row.latency)} ms`}</td>
                  <td className="admin-row-actions">
                    <button
                      type="button"
                      className="danger"
                      aria-label={`Disconnect ${row.username} from ${row.workspaceName}`}
                      onClick={() => setDisconnecting(row)}
                    >
                      Disconnect
                    </button>
                  </td>
                </tr>
              ))}
              {state.sessions.data && rows.length === 0 && (
                <tr>
                  <td colSpan={10}>No active sessions.</td>
                </tr>
              )}
            </tbody>
          </table>
        </div>
      </section>

      {platformAdmin && state.nodes.data && (
        <section className="admin-subsection" aria-labelledby="nodes-heading">
          <h2 id="nodes-heading">Reporting nodes</h2>
          <div className="admin-table-wrap">
            <table className="admin-table">
              <caption>Nodes</caption>
              <thead>
                <tr>
                  <th scope="col">Node</th>
                  <th scope="col">CPU</th>
                  <th scope="col">Memory</th>
                  <th scope="col">Sessions</th>
                  <th scope="col">Last report</th>
                </tr>
              </thead>
              <tbody>
                {state.nodes.data.nodes.map((node) => (
                  <tr key={node.node}>
                    <th scope="row">{node.node}</th>
                    <td>{formatPercent(node.cpuUsage)}</td>
                    <td>{formatPercent(node.memoryUsage)}</td>
                    <td>{formatNumber(node.activeSessions)}</td>
                    <td>{formatSince(node.lastSeenAt, now)} ago</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
      )}

      <section className="admin-subsection" aria-labelledby="websockets-heading">
        <h2 id="websockets-heading">Relayed WebSockets</h2>
        <PartError name="the WebSockets" error={state.websockets.error} />
        <div className="admin-table-wrap">
          <table className="admin-table">
            <caption>WebSockets</caption>
            <thead>
              <tr>
                <th scope="col">Client</th>
                <th scope="col">Session</th>
                <th scope="col">Path</th>
                <th scope="col">To client</th>
                <th scope="col">From client</th>
                <th scope="col">Open for</th>
              </tr>
            </thead>
            <tbody>
              {state.websockets.data?.items.map((socket) => (
                <tr key={socket.id}>
                  <th scope="row">{socket.clientAddress}</th>
                  <td>{socket.sessionId}</td>
                  <td>{socket.publicPath}</td>
                  <td>{socket.bytesToClient.toLocaleString()} B</td>
                  <td>{socket.bytesFromClient.toLocaleString()} B</td>
                  <td>{formatSince(socket.openedAt, now)}</td>
                </tr>
              ))}
              {state.websockets.data?.items.length === 0 && (
                <tr>
                  <td colSpan={6}>No relayed WebSockets.</td>
                </tr>
              )}
            </tbody>
          </table>
        </div>
      </section>

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

function PartError(props: { name: string; error: string | undefined }) {
  if (props.error === undefined) return null;
  return (
    <p className="error" role="alert">
      Could not load {props.name}: {props.error}
    </p>
  );
}

/** The gateway's view of what it depends on, from its own timed checks (GET /gateway/admin/health). */
function PlatformHealth(props: { part: Part<AdminHealthResponse>; now: number }) {
  const { part, now } = props;
  const health = part.data;
  return (
    <section className="admin-subsection" aria-labelledby="platform-health-heading">
      <h2 id="platform-health-heading">Platform health</h2>
      <PartError name="the platform health" error={part.error} />
      {health && (
        <>
          <p>
            Overall: <span className={`badge badge-${health.status}`}>{health.status}</span>
            {health.checkedAt ? ` · checked ${formatSince(health.checkedAt, now)} ago` : ' · not checked yet'}
          </p>
          <div className="admin-table-wrap">
            <table className="admin-table">
              <caption>Services the gateway depends on</caption>
              <thead>
                <tr>
                  <th scope="col">Service</th>
                  <th scope="col">Kind</th>
                  <th scope="col">Status</th>
                  <th scope="col">Latency</th>
                  <th scope="col">Where</th>
                  <th scope="col">Detail</th>
                </tr>
              </thead>
              <tbody>
                {health.services.map((service) => (
                  <tr key={`${service.kind}:${service.name}`}>
                    <th scope="row">{service.name}</th>
                    <td>{service.kind}</td>
                    <td>
                      <span className={`badge badge-${service.status}`}>{service.status}</span>
                    </td>
                    <td>{service.latencyMs === null ? '—' : `${formatNumber(service.latencyMs, 1)} ms`}</td>
                    <td>{service.url}</td>
                    <td>{service.detail ?? ''}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </section>
  );
}
