import { Agent as HttpAgent, type IncomingMessage, type ServerResponse } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { type TLSSocket } from 'node:tls';
import { WORKSPACE_CONTRACT_HEADERS } from '@webstream/contracts';
import { CORRELATION_ID_HEADER, sendError } from '@webstream/service-kit';
import { createProxyMiddleware, fixRequestBody, type RequestHandler } from 'http-proxy-middleware';
import { type PinoLogger } from 'nestjs-pino';
import { cancelWithClient, wasCancelled } from '../proxying/client-cancellation';

/**
 * Never forwarded as the client sent them: its credentials, identity headers only the gateway may set, and
 * X-Forwarded-* (set again from what the gateway trusts: gateway.trustedProxies).
 */
export const STRIPPED_REQUEST_HEADERS = [
  'authorization',
  'x-mcp-key',
  'x-api-key',
  'x-backend-token',
  'cookie',
  'forwarded',
  'x-forwarded-for',
  'x-forwarded-host',
  'x-forwarded-proto',
  'x-forwarded-port',
  ...WORKSPACE_CONTRACT_HEADERS,
] as const;

/** X-Forwarded-* for the peer, from Express's req.ip and req.protocol (which honour `trust proxy`). */
function forwardedHeaders(req: IncomingMessage): Record<string, string> {
  const express = req as IncomingMessage & { ip?: string; protocol?: string };
  const address = express.ip ?? req.socket.remoteAddress;
  const protocol = express.protocol ?? ((req.socket as Partial<TLSSocket>).encrypted ? 'https' : 'http');
  return {
    ...(address === undefined ? {} : { 'x-forwarded-for': address }),
    'x-forwarded-proto': protocol,
    ...(req.headers.host === undefined ? {} : { 'x-forwarded-host': req.headers.host }),
  };
}

export interface McpUpstreamOptions {
  /** For messages: "the metrics engine". */
  name: string;
  /** Base URL: http(s)://host:port. */
  target: string;
  /** How long the upstream may take to answer. */
  timeoutMs: number;
  /** Consecutive failures to reach the upstream after which it is not tried for `openMs`. */
  failureThreshold: number;
  openMs: number;
  logger: PinoLogger;
}

/**
 * A peer behind the MCP proxy: http-proxy-middleware over a keep-alive agent (without one every request pays a
 * new connection on both sides), a deadline, and a circuit breaker that answers 503 at once while the peer keeps
 * failing. A failure to reach it answers 502 in the error envelope.
 */
export class McpUpstream {
  private readonly agent: HttpAgent;
  private readonly proxy: RequestHandler<IncomingMessage, ServerResponse>;
  /** Headers to set on each forwarded request, kept beside the request rather than on it. */
  private readonly headers = new WeakMap<IncomingMessage, Record<string, string>>();
  private failures = 0;
  private openedAt = 0;

  constructor(private readonly options: McpUpstreamOptions) {
    const secure = new URL(options.target).protocol === 'https:';
    const agentOptions = { keepAlive: true, maxSockets: 64, maxFreeSockets: 16 };
    this.agent = secure ? new HttpsAgent(agentOptions) : new HttpAgent(agentOptions);
    this.proxy = createProxyMiddleware<IncomingMessage, ServerResponse>({
      target: options.target,
      agent: this.agent,
      changeOrigin: true,
      proxyTimeout: options.timeoutMs,
      on: {
        proxyReq: (proxyReq, req, res) => {
          cancelWithClient(proxyReq, req, res);
          for (const name of STRIPPED_REQUEST_HEADERS) proxyReq.removeHeader(name);
          for (const [name, value] of Object.entries(this.headers.get(req) ?? {}))
            proxyReq.setHeader(name, value);
          const correlationId = (req as IncomingMessage & { id?: unknown }).id;
          if (typeof correlationId === 'string') proxyReq.setHeader(CORRELATION_ID_HEADER, correlationId);
          // Nest's body parser has read a JSON or form body already: write it again.
          fixRequestBody(proxyReq, req);
        },
        proxyRes: () => {
          this.failures = 0;
        },
        error: (error, req, res) => {
          if (wasCancelled(req)) return;
          this.failed();
          const code = (error as NodeJS.ErrnoException).code ?? error.message;
          this.options.logger.warn({ err: error, upstream: this.options.name }, 'MCP upstream unreachable');
          if ('writeHead' in res)
            sendError(req, res, 502, `${this.options.name} could not be reached (${code})`);
          else res.destroy();
        },
      },
    });
  }

  /** Seconds until the breaker lets requests through again, or 0 when it is closed. */
  get openForSeconds(): number {
    if (this.failures < this.options.failureThreshold) return 0;
    const left = this.openedAt + this.options.openMs - Date.now();
    return left > 0 ? Math.ceil(left / 1000) : 0;
  }

  /**
   * Sends the request (whose `url` is already the upstream's path) with these headers set after the client's
   * credentials are removed; answers 503 while the breaker is open.
   */
  forward(req: IncomingMessage, res: ServerResponse, headers: Record<string, string>): void {
    const wait = this.openForSeconds;
    if (wait > 0) {
      sendError(req, res, 503, `${this.options.name} is unavailable after repeated failures; retry later`, {
        'retry-after': String(wait),
      });
      return;
    }
    this.headers.set(req, { ...forwardedHeaders(req), ...headers });
    void this.proxy(req, res, (error?: unknown) => {
      // Only an exception while preparing the request lands here (the target is fixed, no router).
      this.options.logger.error({ err: error, upstream: this.options.name }, 'MCP proxy failed');
      sendError(req, res, 502, `${this.options.name} could not be reached`);
    });
  }

  close(): void {
    this.agent.destroy();
  }

  private failed(): void {
    this.failures += 1;
    // Each failure past the threshold (a trial after the open window) opens the breaker again.
    if (this.failures >= this.options.failureThreshold) this.openedAt = Date.now();
  }
}
