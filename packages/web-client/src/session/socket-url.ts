import { WS_TICKET_QUERY_PARAM } from '@webstream/contracts';

/**
 * Where a socket opens: at the gateway that answered /getConnection, or, in the redirect topology, at the gateway
 * beside the session's host that it named.
 */
export function socketUrl(
  gatewayUrl: string | undefined,
  path: string,
  ticket: string,
  sessionId: string,
  extra: Record<string, string> = {},
): string {
  const gateway = new URL(gatewayUrl ?? window.location.origin);
  const scheme = gateway.protocol === 'https:' ? 'wss' : 'ws';
  const query = new URLSearchParams({ [WS_TICKET_QUERY_PARAM]: ticket, sessionId, ...extra });
  return `${scheme}://${gateway.host}${path}?${query.toString()}`;
}
