import { type ClientRequest, type IncomingMessage } from 'node:http';
import { SpanKind } from '@opentelemetry/api';
import { type WebstreamConfig } from '@webstream/config';
import { SESSION_ID_HEADER, WORKSPACE_CONTRACT_HEADERS } from '@webstream/contracts';
import {
  CORRELATION_ID_HEADER,
  currentSpan,
  type ServiceTracing,
  traceContextHeaders,
} from '@webstream/service-kit';
import { debugProxyErrorsPlugin, type Plugin, proxyEventsPlugin } from 'http-proxy-middleware';
import { type SessionRecord } from '../sessions/session-record';

const CONTRACT_HEADERS = new Set<string>(WORKSPACE_CONTRACT_HEADERS);

/**
 * http-proxy-middleware's defaults without its logger (which builds a URL for every answer only to log nothing)
 * and its error page: the data plane answers errors itself, as every service does.
 */
export const PROXY_PLUGINS: Plugin[] = [debugProxyErrorsPlugin, proxyEventsPlugin];

/** A request the data plane routes, with what it learnt on the way. */
export interface RoutedRequest extends IncomingMessage {
  /** The correlation id of the request; `id` is pino-http's, where the error answers read it too. */
  correlationId?: string;
  webstreamSession?: SessionRecord;
  webstreamUpstream?: string;
}

/** No client may speak for IAM: the contract headers exist only as the gateway injects them. */
export function stripContractHeaders(req: IncomingMessage): void {
  for (const name of Object.keys(req.headers)) if (CONTRACT_HEADERS.has(name)) delete req.headers[name];
  for (let i = req.rawHeaders.length - 2; i >= 0; i -= 2) {
    if (CONTRACT_HEADERS.has(req.rawHeaders[i]!.toLowerCase())) req.rawHeaders.splice(i, 2);
  }
}

/**
 * What the host and the streamer trust about a session, on the request the gateway makes to them (the host's
 * /getConnection, a socket's upgrade): the workspace contract, the session's id and the correlation id; never the
 * browser's cookies. The one place the data plane writes them.
 */
export function injectSessionHeaders(
  proxyReq: ClientRequest,
  req: RoutedRequest,
  session: SessionRecord,
): void {
  proxyReq.removeHeader('cookie');
  for (const [name, value] of Object.entries(session.contractHeaders)) proxyReq.setHeader(name, value);
  proxyReq.setHeader(SESSION_ID_HEADER, session.sessionId);
  proxyReq.setHeader(CORRELATION_ID_HEADER, req.correlationId!);
}

/** Seed 002's gateway.transport.send: the hop to the host or streamer, which continues the trace. */
export function traceTransport(tracing: ServiceTracing, proxyReq: ClientRequest): void {
  const span = tracing.startStep('transport.send', currentSpan(), SpanKind.CLIENT);
  if (!span) return;
  for (const [name, value] of Object.entries(traceContextHeaders(span))) proxyReq.setHeader(name, value);
  proxyReq.once('close', () => span.end());
}

/**
 * In the redirect topology, this gateway's public URL (GatewayModule refuses to start without it there): it answers
 * for its own host's sessions and relays their sockets, and sends the browser elsewhere for the others'.
 */
export function redirectPublicUrl(config: WebstreamConfig): string | undefined {
  return config.gateway.topology === 'redirect' ? config.gateway.publicUrl : undefined;
}

export function pathOf(req: IncomingMessage): string {
  const url = req.url ?? '/';
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}
