import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { heartbeatRequestSchema, registerRequestSchema } from '@webstream/contracts';
import { startTestService, type TestService } from '@webstream/service-kit/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SessionHostModule } from '../src/session-host.module';
import { freePort, sleep, StandInGateway, until } from '@webstream/testing';
import { hostConfig, StandInStreamers, TOKEN } from './stand-ins';

const RETRY_MS = 200;

describe('registration with the gateway', () => {
  let dir: StandInStreamers;
  const cleanups: (() => Promise<void>)[] = [];

  async function startHost(
    gatewayUrl: string,
    options: { registerMaxRetries?: number } = {},
  ): Promise<TestService> {
    const port = await freePort();
    const host = await startTestService(
      SessionHostModule.forRoot(hostConfig({ port, gatewayUrl, spoolDir: join(dir.dir, `spool-${port}`) }), {
        registerRetryIntervalMs: RETRY_MS,
        ...options,
      }),
      { port },
    );
    cleanups.push(() => host.close());
    return host;
  }

  async function startGateway(port = 0): Promise<StandInGateway> {
    const gateway = await new StandInGateway({ backendToken: TOKEN }).start(port);
    cleanups.push(() => gateway.stop());
    return gateway;
  }

  beforeAll(async () => {
    dir = await StandInStreamers.create();
  });

  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  afterAll(async () => {
    await rm(dir.dir, { recursive: true, force: true });
  });

  it('retries until a gateway that comes up late answers, then heartbeats', async () => {
    const gatewayPort = await freePort();
    const host = await startHost(`http://127.0.0.1:${gatewayPort}`);
    // Nothing listens for a while (connection refused), then the gateway fails once before it accepts.
    await sleep(3 * RETRY_MS);
    const gateway = new StandInGateway({ backendToken: TOKEN });
    gateway.registerAnswers.push(503);
    await gateway.start(gatewayPort);
    cleanups.push(() => gateway.stop());

    const registers = await gateway.callsAtLeast('/gateway/register', 2);
    expect(registers[1]!.at - registers[0]!.at).toBeGreaterThanOrEqual(RETRY_MS - 20);
    expect(registerRequestSchema.parse(registers[1]!.body).serverUrl).toBe(
      host.url.replace('127.0.0.1', 'localhost'),
    );

    const [beat] = await gateway.callsAtLeast('/gateway/heartbeat', 1);
    expect(heartbeatRequestSchema.parse(beat!.body).status).toBe('healthy');
    expect(beat!.at).toBeGreaterThan(registers[1]!.at);
    expect(gateway.calls('/gateway/register')).toHaveLength(2);
  });

  it('registers again when the gateway answers a heartbeat with 404 (it does not know the host)', async () => {
    const gateway = await startGateway();
    gateway.heartbeatAnswers.push(404);
    await startHost(gateway.url);
    await until('a second registration', () => gateway.calls('/gateway/register').length >= 2);
    const paths = gateway.received.map((call) => call.path);
    expect(paths.slice(0, 3)).toEqual(['/gateway/register', '/gateway/heartbeat', '/gateway/register']);
    // And heartbeats go on after it.
    await until('heartbeats after re-registration', () => gateway.calls('/gateway/heartbeat').length >= 2);
  });

  it('gives up after the last retry and keeps serving', async () => {
    const gateway = await startGateway();
    // 401: this host's gateway.backend.token is wrong; every attempt is refused.
    gateway.registerAnswers.push(401, 401, 401, 401, 401);
    const host = await startHost(gateway.url, { registerMaxRetries: 2 });
    await until('three registration attempts', () => gateway.calls('/gateway/register').length >= 3);
    await sleep(4 * RETRY_MS);
    expect(gateway.calls('/gateway/register')).toHaveLength(3);
    expect(gateway.calls('/gateway/heartbeat')).toHaveLength(0);
    const health = await fetch(`${host.url}/health`);
    expect(health.status).toBe(200);
  });
});
