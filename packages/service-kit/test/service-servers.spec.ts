import { createServer, type Server as HttpServer, type RequestListener } from 'node:http';
import { createServer as createNetServer, type AddressInfo, type Server } from 'node:net';
import { Controller, Get, type INestApplication, Module } from '@nestjs/common';
import { webstreamConfigSchema } from '@webstream/config';
import { afterEach, describe, expect, it } from 'vitest';
import {
  listenFailure,
  listenServer,
  ServiceKitModule,
  ServiceStartupError,
  startService,
  type ServiceDefinition,
} from '../src';

const config = webstreamConfigSchema.parse({ logging: { level: 'silent' } });

@Controller('ping')
class PingController {
  @Get()
  ping(): { pong: true } {
    return { pong: true };
  }
}

@Module({
  imports: [ServiceKitModule.forRoot({ service: 'servers-test', config })],
  controllers: [PingController],
})
class PingModule {}

function definition(extra: Partial<ServiceDefinition> = {}, port = 0): ServiceDefinition {
  return {
    service: 'servers-test',
    module: () => PingModule,
    listen: () => ({ port, host: '127.0.0.1', portKey: 'test.port' }),
    ...extra,
  };
}

function portOf(server: Server): number {
  return (server.address() as AddressInfo).port;
}

async function occupiedPort(): Promise<Server> {
  const squatter = createNetServer();
  await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', resolve));
  return squatter;
}

async function refused(port: number): Promise<boolean> {
  return fetch(`http://127.0.0.1:${port}/ping`).then(
    () => false,
    () => true,
  );
}

describe('startService and the servers hook', () => {
  const cleanup: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  it('starts a service without the hook on its one port, as before', async () => {
    const { app, servers } = await startService(definition(), config);
    cleanup.push(() => app.close());
    expect(servers).toEqual([]);
    const response = await fetch(`${await app.getUrl()}/ping`);
    expect(await response.json()).toEqual({ pong: true });
  });

  it('serves the app on the servers the hook starts once routes are mounted, and closes them with it', async () => {
    let mainListeningDuringHook: boolean | undefined;
    let answeredDuringHook: number | undefined;
    const { app, servers } = await startService(
      definition({
        servers: async (nestApp: INestApplication) => {
          mainListeningDuringHook = (nestApp.getHttpServer() as HttpServer).listening;
          const extra = createServer(nestApp.getHttpAdapter().getInstance() as RequestListener);
          await listenServer(extra, { port: 0, host: '127.0.0.1', portKey: 'test.extraPort' });
          answeredDuringHook = (await fetch(`http://127.0.0.1:${portOf(extra)}/ping`)).status;
          return [extra];
        },
      }),
      config,
    );
    const [extra] = servers as [Server];
    expect(mainListeningDuringHook).toBe(false);
    expect(answeredDuringHook).toBe(200);
    expect(await (await fetch(`${await app.getUrl()}/ping`)).json()).toEqual({ pong: true });
    expect(await (await fetch(`http://127.0.0.1:${portOf(extra)}/ping`)).json()).toEqual({ pong: true });

    const extraPort = portOf(extra);
    await app.close();
    expect(extra.listening).toBe(false);
    expect(await refused(extraPort)).toBe(true);
  });

  it("stops start-up with the hook's ServiceStartupError as is, before the main port opens", async () => {
    const squatter = await occupiedPort();
    const port = portOf(squatter);
    await new Promise((resolve) => squatter.close(resolve));
    const failure = startService(
      definition(
        {
          servers: () => Promise.reject(new ServiceStartupError('some.key: the certificate cannot be read')),
        },
        port,
      ),
      config,
    );
    await expect(failure).rejects.toThrow(
      new ServiceStartupError('some.key: the certificate cannot be read'),
    );
    expect(await refused(port)).toBe(true);
  });

  it('wraps any other failure of the hook as a start-up failure', async () => {
    const failure = startService(definition({ servers: () => Promise.reject(new Error('boom')) }), config);
    await expect(failure).rejects.toBeInstanceOf(ServiceStartupError);
    await expect(failure).rejects.toThrow('start-up failed: boom');
  });

  it("names the main port's key when it is in use, and closes the hook's servers again", async () => {
    const squatter = await occupiedPort();
    cleanup.push(() => new Promise((resolve) => squatter.close(resolve)));
    let extra: HttpServer | undefined;
    const failure = startService(
      definition(
        {
          servers: async (nestApp) => {
            // startService leaves the app to the process's exit after this failure; the test closes it.
            cleanup.push(() => nestApp.close());
            extra = createServer(nestApp.getHttpAdapter().getInstance() as RequestListener);
            await listenServer(extra, { port: 0, host: '127.0.0.1', portKey: 'test.extraPort' });
            return [extra];
          },
        },
        portOf(squatter),
      ),
      config,
    );
    await expect(failure).rejects.toThrow(
      new ServiceStartupError(`test.port ${portOf(squatter)} is already in use on 127.0.0.1`),
    );
    expect(extra?.listening).toBe(false);
  });

  it("listenServer names the server's own port key when it cannot bind", async () => {
    const squatter = await occupiedPort();
    cleanup.push(() => new Promise((resolve) => squatter.close(resolve)));
    const port = portOf(squatter);
    const failure = listenServer(createServer(), { port, host: '127.0.0.1', portKey: 'gateway.httpsPort' });
    await expect(failure).rejects.toThrow(
      new ServiceStartupError(`gateway.httpsPort ${port} is already in use on 127.0.0.1`),
    );
    expect(
      listenFailure(Object.assign(new Error('x'), { code: 'ECONNRESET' }), { port, host: 'h', portKey: 'k' }),
    ).toBeUndefined();
  });
});
