import {
  type DynamicModule,
  Global,
  Inject,
  Injectable,
  Module,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { type WebstreamConfig } from '@webstream/config';
import { HealthRegistry, KnownErrors } from '@webstream/service-kit';
import { Redis } from 'ioredis';
import { PinoLogger } from 'nestjs-pino';
import { redisOutage } from './redis-outage';

/**
 * Where the gateway keeps what several gateways must agree on (backends, sessions, affinity, licence seats):
 * Redis when redis.url is set, else this process's memory. Each feature's store has both implementations and
 * picks one by whether a Redis connection is injected.
 */
export const GATEWAY_REDIS = Symbol('GATEWAY_REDIS');
export const InjectGatewayRedis = (): ParameterDecorator => Inject(GATEWAY_REDIS);

/** The shared Redis connection, or null when the gateway runs alone with in-memory state. */
export type GatewayRedis = Redis | null;

@Injectable()
class RedisLifecycle implements OnModuleInit, OnApplicationShutdown {
  private connectionLost = false;

  constructor(
    @InjectGatewayRedis() private readonly redis: GatewayRedis,
    private readonly health: HealthRegistry,
    private readonly logger: PinoLogger,
    knownErrors: KnownErrors,
  ) {
    this.logger.setContext('GatewayRedis');
    knownErrors.add(redisOutage);
  }

  async onModuleInit(): Promise<void> {
    if (this.redis === null) return;
    // ioredis reports every failed reconnection as an 'error' event, and prints it to the console, outside
    // the JSON logs, when nobody listens: one warning per outage here, and a line when it is back.
    this.redis.on('error', (error: Error) => {
      if (this.connectionLost) return;
      this.connectionLost = true;
      this.logger.warn(
        { reason: error.message },
        'lost the connection to Redis: the shared state is unavailable until it is back (reconnecting)',
      );
    });
    this.redis.on('ready', () => {
      if (!this.connectionLost) return;
      this.connectionLost = false;
      this.logger.info('connected to Redis again: the shared state is available');
    });
    // Fails start-up when Redis cannot be reached: a gateway must not run on a state of its own by accident.
    await this.redis.connect();
    this.health.registerReadiness('redis', async () => {
      await this.redis!.ping();
    });
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.redis === null) return;
    await this.redis.quit().catch(() => this.redis!.disconnect());
  }
}

@Global()
@Module({})
export class GatewayStateModule {
  static forRoot(config: WebstreamConfig): DynamicModule {
    const { url, keyPrefix } = config.redis;
    return {
      module: GatewayStateModule,
      providers: [
        {
          provide: GATEWAY_REDIS,
          useFactory: (): GatewayRedis =>
            url === undefined
              ? null
              : new Redis(url, {
                  keyPrefix,
                  lazyConnect: true,
                  // A command waits at most this long for a lost connection; the callers' breakers decide the rest.
                  maxRetriesPerRequest: 2,
                  connectTimeout: 5_000,
                }),
        },
        RedisLifecycle,
      ],
      exports: [GATEWAY_REDIS],
    };
  }
}
