import {
  type AdminBackendsResponse,
  type AdminWebSocketsResponse,
  type OperationsNodesResponse,
} from '@webstream/contracts';
import { type Column } from '../kit/DataTable';
import { formatNumber, formatPercent, formatSince } from '../operations-data';

type Backend = AdminBackendsResponse['items'][number];
type Node = OperationsNodesResponse['nodes'][number];
type RelayedSocket = AdminWebSocketsResponse['items'][number];

/** The Operations page's session hosts, as of `now`. */
export function backendColumns(now: number): Column<Backend>[] {
  return [
    { header: 'Server', cell: (b) => b.serverUrl, sortValue: (b) => b.serverUrl },
    {
      header: 'Health',
      cell: (b) => <span className={`badge badge-${b.health}`}>{b.health}</span>,
      sortValue: (b) => b.health,
    },
    { header: 'Status', cell: (b) => b.status, sortValue: (b) => b.status },
    {
      header: 'Sessions',
      cell: (b) =>
        `${b.activeSessions}/${b.maxSessions}${b.pendingSessions > 0 ? ` (+${b.pendingSessions} pending)` : ''}`,
      sortValue: (b) => b.activeSessions,
    },
    { header: 'CPU', cell: (b) => formatPercent(b.cpuUsage), sortValue: (b) => b.cpuUsage },
    { header: 'Memory', cell: (b) => formatPercent(b.memoryUsage), sortValue: (b) => b.memoryUsage },
    { header: 'Tags', cell: (b) => b.tags.join(', ') },
    {
      header: 'Last seen',
      cell: (b) => `${formatSince(b.lastSeenAt, now)} ago`,
      sortValue: (b) => b.lastSeenAt,
    },
  ];
}

/** The hosts that report to the metrics engine, as of `now`. */
export function nodeColumns(now: number): Column<Node>[] {
  return [
    { header: 'Node', cell: (node) => node.node, sortValue: (node) => node.node },
    {
      header: 'CPU',
      cell: (node) => formatPercent(node.cpuUsage),
      sortValue: (node) => node.cpuUsage,
    },
    {
      header: 'Memory',
      cell: (node) => formatPercent(node.memoryUsage),
      sortValue: (node) => node.memoryUsage,
    },
    {
      header: 'Sessions',
      cell: (node) => formatNumber(node.activeSessions),
      sortValue: (node) => node.activeSessions,
    },
    {
      header: 'Last report',
      cell: (node) => `${formatSince(node.lastSeenAt, now)} ago`,
      sortValue: (node) => node.lastSeenAt,
    },
  ];
}

/** The WebSockets the gateway relays, as of `now`. */
export function webSocketColumns(now: number): Column<RelayedSocket>[] {
  return [
    {
      header: 'Client',
      cell: (socket) => socket.clientAddress,
      sortValue: (socket) => socket.clientAddress,
    },
    {
      header: 'Session',
      cell: (socket) => socket.sessionId,
      sortValue: (socket) => socket.sessionId,
    },
    { header: 'Path', cell: (socket) => socket.publicPath, sortValue: (socket) => socket.publicPath },
    {
      header: 'To client',
      cell: (socket) => `${socket.bytesToClient.toLocaleString()} B`,
      sortValue: (socket) => socket.bytesToClient,
    },
    {
      header: 'From client',
      cell: (socket) => `${socket.bytesFromClient.toLocaleString()} B`,
      sortValue: (socket) => socket.bytesFromClient,
    },
    {
      header: 'Open for',
      cell: (socket) => formatSince(socket.openedAt, now),
      sortValue: (socket) => socket.openedAt,
    },
  ];
}
