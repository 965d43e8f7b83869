import { sleep } from '@webstream/testing';
import { request, type IncomingHttpHeaders } from 'node:http';
import { createServer, type Server, type Socket, connect } from 'node:net';
import {
  Controller,
  type DynamicModule,
  Get,
  Global,
  type MiddlewareConsumer,
  Module,
  type NestModule,
} from '@nestjs/common';
import { type WebstreamConfig } from '@webstream/config';
import { type TokenSubject } from '@webstream/contracts';
import { AccessTokenIssuer, AccessTokenModule, TokenSubjects } from '@webstream/iam';
import { ServiceKitModule } from '@webstream/service-kit';
import { startTestService, type TestService } from '@webstream/service-kit/testing';
import { RateLimitMiddleware } from '../src/rate-limit/rate-limit.middleware';
import { RateLimitModule } from '../src/rate-limit/rate-limit.module';
import { GatewayStateModule } from '../src/state/gateway-state.module';

export const SIGNING_KEY = 's'.repeat(48);

/** Routes of every kind the limits tell apart, each answering 200. */
@Controller()
class ProbeController {
  @Get(['gateway/session/status', 'iam/things', 'iam/auth/probe', 'mcp/tools', 'gateway/heartbeat'])
  ok(): { ok: true } {
    return { ok: true };
  }
}

@Module({ controllers: [ProbeController] })
class RateLimitProbeModule {}

/** Every user a test signs in stands behind their token: these tests are about rates, not revocation. */
class StandingSubjects extends TokenSubjects {
  constructor(private readonly orgOf: Map<string, string>) {
    super();
  }

  current(userId: string): Promise<TokenSubject | null> {
    const orgId = this.orgOf.get(userId);
    return Promise.resolve(
      orgId === undefined ? null : { orgId, role: 'user', disabled: false, tokenGeneration: 0 },
    );
  }
}

const signedIn = new Map<string, string>();

/** What IamClientModule makes global in the gateway: access tokens, here without IAM. */
@Global()
@Module({})
class RateLimitTestTokensModule {
  static forRoot(): DynamicModule {
    const tokens = AccessTokenModule.forRoot(
      { signingKey: SIGNING_KEY, ttl: 600 },
      { provide: TokenSubjects, useValue: new StandingSubjects(signedIn) },
    );
    return { module: RateLimitTestTokensModule, imports: [tokens], exports: [tokens] };
  }
}

/** A gateway with the rate limits applied to every route, as GatewayModule applies them. */
export function startRateLimitedGateway(config: WebstreamConfig): Promise<TestService> {
  class RateLimitTestHost implements NestModule {
    configure(consumer: MiddlewareConsumer): void {
      consumer.apply(RateLimitMiddleware).forRoutes('*');
    }
  }
  return startTestService({
    module: RateLimitTestHost,
    imports: [
      ServiceKitModule.forRoot({ service: 'gateway', config }),
      GatewayStateModule.forRoot(config),
      RateLimitTestTokensModule.forRoot(),
      RateLimitModule,
      RateLimitProbeModule,
    ],
  });
}

export function signIn(gateway: TestService, user: string, org: string): Promise<string> {
  signedIn.set(user, org);
  return gateway.app
    .get(AccessTokenIssuer, { strict: false })
    .issue({ sub: user, username: user, org, role: 'user', gen: 0 });
}

export interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface CallOptions {
  token?: string;
  /** The source address, any of 127.0.0.0/8. */
  from?: string;
  headers?: Record<string, string>;
}

/** A GET on a fresh connection from the given source address. */
export function call(gateway: TestService, path: string, options: CallOptions = {}): Promise<Answer> {
  const url = new URL(path, gateway.url);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        agent: false,
        localAddress: options.from ?? '127.0.0.1',
        headers: {
          ...(options.token === undefined ? {} : { authorization: `Bearer ${options.token}` }),
          ...options.headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString(),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** Asks for a WebSocket upgrade and reads the plain HTTP answer of a refusal. */
export function askUpgrade(
  gateway: TestService,
  path: string,
  headers: Record<string, string> = {},
): Promise<Answer> {
  return call(gateway, path, {
    headers: {
      ...headers,
      connection: 'Upgrade',
      upgrade: 'websocket',
      'sec-websocket-version': '13',
      'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
    },
  });
}

/** A TCP relay to a port, to cut the connection with: closing it refuses new connections and drops the old. */
export class RateLimitTcpRelay {
  private readonly sockets = new Set<Socket>();
  private readonly server: Server;

  private constructor(target: { host: string; port: number }) {
    this.server = createServer((client) => {
      const upstream = connect(target.port, target.host);
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on('close', () => this.sockets.delete(socket));
        socket.on('error', () => socket.destroy());
      }
      client.pipe(upstream).pipe(client);
    });
  }

  static async start(target: { host: string; port: number }): Promise<RateLimitTcpRelay> {
    const relay = new RateLimitTcpRelay(target);
    await new Promise<void>((resolve) => relay.server.listen(0, '127.0.0.1', resolve));
    return relay;
  }

  get port(): number {
    const address = this.server.address();
    if (address === null || typeof address === 'string') throw new Error('the relay is not listening');
    return address.port;
  }

  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }
}

/** Waits until the wall clock is `offsetMs` into a second. */
export async function untilMsIntoSecond(offsetMs: number): Promise<void> {
  const into = Date.now() % 1000;
  await sleep((offsetMs - into + 1000) % 1000);
}
