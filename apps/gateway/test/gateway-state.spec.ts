import { createServer, connect, type Server, type Socket } from 'node:net';
import { Module } from '@nestjs/common';
import { webstreamConfigSchema } from '@webstream/config';
import { ServiceKitModule } from '@webstream/service-kit';
import { startTestService, type TestService } from '@webstream/service-kit/testing';
import { PinoLogger } from 'nestjs-pino';
import { TEST_REDIS_URL, until } from '@webstream/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { GATEWAY_REDIS, type GatewayRedis, GatewayStateModule } from '../src/state/gateway-state.module';

const REDIS_URL = new URL(TEST_REDIS_URL);

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  vi.restoreAllMocks();
});

/** A TCP relay to Redis on a fixed port that can be cut (refusing connections) and restored. */
class Relay {
  private readonly sockets = new Set<Socket>();
  private readonly server: Server = createServer((client) => {
    const upstream = connect(Number(REDIS_URL.port || 6379), REDIS_URL.hostname);
    for (const socket of [client, upstream]) {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
      socket.on('error', () => socket.destroy());
    }
    client.pipe(upstream).pipe(client);
  });
  port = 0;

  async listen(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(this.port, '127.0.0.1', resolve));
    this.port = (this.server.address() as { port: number }).port;
  }

  async cut(): Promise<void> {
    if (!this.server.listening) return;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }
}

describe("the gateway's Redis connection", () => {
  it('logs a lost connection once, in its own logs, and its return; ioredis prints nothing of its own', async () => {
    const relay = new Relay();
    await relay.listen();
    cleanups.push(() => relay.cut());
    const config = webstreamConfigSchema.parse({
      logging: { level: 'silent' },
      redis: { url: `redis://127.0.0.1:${relay.port}`, keyPrefix: 'test:gateway-state:' },
    });
    @Module({
      imports: [ServiceKitModule.forRoot({ service: 'gateway', config }), GatewayStateModule.forRoot(config)],
    })
    class StateHost {}
    const gateway: TestService = await startTestService(StateHost);
    cleanups.push(() => gateway.close());
    const redis = gateway.app.get<symbol, GatewayRedis>(GATEWAY_REDIS, { strict: false })!;
    let reconnections = 0;
    redis.on('reconnecting', () => (reconnections += 1));

    const warn = vi.spyOn(PinoLogger.prototype, 'warn');
    const info = vi.spyOn(PinoLogger.prototype, 'info');
    const consoleError = vi.spyOn(console, 'error');
    const said = (spy: typeof warn, text: string): number =>
      spy.mock.calls.filter((args) => args.some((arg) => String(arg).includes(text))).length;

    // Redis gone, then refused at every reconnection attempt.
    await relay.cut();
    await until('several reconnection attempts', () => reconnections >= 3);
    expect(said(warn, 'lost the connection to Redis')).toBe(1);
    expect(consoleError.mock.calls.filter((args) => String(args[0]).includes('[ioredis]'))).toEqual([]);

    // Back on the same port: one line says so.
    await relay.listen();
    await until('the connection to come back', () => redis.status === 'ready', 15_000);
    expect(await redis.ping()).toBe('PONG');
    expect(said(info, 'connected to Redis again')).toBe(1);
    expect(said(warn, 'lost the connection to Redis')).toBe(1);
  });
});
