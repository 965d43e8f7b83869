import { type Server as HttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { type Server as HttpsServer } from 'node:https';
import { type Duplex } from 'node:stream';
import { HttpException, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { getConnectionRoute } from '@webstream/contracts';
import {
  clientGoneSignal,
  CORRELATION_ID_HEADER,
  correlationIdFrom,
  refuseUpgrade,
  requestSpan,
  runWithCorrelationId,
  sendError,
  KnownErrors,
  ServiceTracing,
} from '@webstream/service-kit';
import { PinoLogger } from 'nestjs-pino';
import { ConnectionRoute } from './connection-route';
import { SocketRelay } from './socket-relay';
import { pathOf, type RoutedRequest, stripContractHeaders } from './upstream-request';

/**
 * The gateway's data plane, on the raw servers before Express (which would triple the cost of a proxied
 * request): /getConnection to the session's host (ConnectionRoute) and the /capture, /control and /audio
 * WebSockets to the session's streamer (SocketRelay), each with its correlation id and span, and the same
 * answer to a failure.
 */
@Injectable()
export class DataPlane implements OnApplicationBootstrap {
  private readonly attached = new WeakSet<object>();

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly connectionRoute: ConnectionRoute,
    private readonly socketRelay: SocketRelay,
    private readonly tracing: ServiceTracing,
    private readonly knownErrors: KnownErrors,
    private readonly logger: PinoLogger,
  ) {}

  onApplicationBootstrap(): void {
    this.attach(this.adapterHost.httpAdapter.getHttpServer() as HttpServer);
  }

  /** Takes the data plane's requests and upgrades off a server before its other listeners (Express). */
  attach(server: HttpServer | HttpsServer): void {
    if (this.attached.has(server)) return;
    this.attached.add(server);
    const framework = server.listeners('request') as ((req: IncomingMessage, res: ServerResponse) => void)[];
    server.removeAllListeners('request');
    server.on('request', (req: RoutedRequest, res: ServerResponse) => {
      stripContractHeaders(req);
      if (pathOf(req) === getConnectionRoute.path && req.method === 'GET') {
        // What the service kit's middleware does for every other route, which this one never reaches.
        const id = (req.correlationId = req.id = correlationIdFrom(req));
        res.setHeader(CORRELATION_ID_HEADER, id);
        const span = requestSpan(this.tracing, req, res, () => getConnectionRoute.path);
        void runWithCorrelationId(
          id,
          () =>
            this.connectionRoute
              .serve(req, res)
              .catch((error: unknown) =>
                this.failed(
                  'data plane request',
                  error,
                  500,
                  'the gateway failed to route this request',
                  (...answer) => sendError(req, res, ...answer),
                ),
              ),
          { clientGone: clientGoneSignal(res), span },
        );
        return;
      }
      for (const listener of framework) listener(req, res);
    });
    server.on('upgrade', (req: RoutedRequest, socket: Duplex, head: Buffer) => {
      stripContractHeaders(req);
      const id = (req.correlationId = req.id = correlationIdFrom(req));
      // The upgrade's span lasts until the streamer has answered it, or the socket is gone.
      const span = this.tracing.startRequestSpan(req.headers, {
        'http.request.method': 'GET',
        'url.path': pathOf(req) ?? '/',
      });
      if (span) socket.once('close', () => span.end());
      void runWithCorrelationId(
        id,
        () =>
          this.socketRelay
            .serve(req, socket, head)
            .catch((error: unknown) =>
              this.failed('WebSocket upgrade', error, 502, 'the WebSocket could not be routed', (...answer) =>
                refuseUpgrade(req, socket, ...answer),
              ),
            ),
        { span },
      );
    });
  }

  /** A peer known to be down (Redis) is a 503 with Retry-After, as on every other route; anything else a fault. */
  private failed(
    what: string,
    error: unknown,
    status: number,
    message: string,
    answer: (status: number, message: string, headers: Record<string, string>) => void,
  ): void {
    const known = this.knownErrors.classify(error);
    if (known.retryAfterSeconds !== undefined) {
      this.logger.warn({ reason: known.message }, `${what} refused: a peer is unavailable`);
      answer(known.status, known.message, { 'retry-after': String(known.retryAfterSeconds) });
      return;
    }
    // An answer someone chose (IAM unable to vouch for a token: 503), not a fault of the data plane's.
    if (error instanceof HttpException) {
      if (known.status >= 500) this.logger.warn({ reason: known.message }, `${what} refused`);
      answer(known.status, known.message, {});
      return;
    }
    this.logger.error({ err: error }, `${what} failed`);
    answer(status, message, {});
  }
}
