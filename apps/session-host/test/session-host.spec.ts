import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { startTestService, type TestService } from '@webstream/service-kit/testing';
import { expectServedDocument } from '@webstream/testing/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SessionHostModule } from '../src/session-host.module';
import { freePort } from '@webstream/testing';
import { hostConfig, METRICS_TOKEN, StandInStreamers } from './stand-ins';

describe('the session host app', () => {
  let service: TestService;
  let dir: StandInStreamers;

  beforeAll(async () => {
    dir = await StandInStreamers.create();
    const port = await freePort();
    // No gateway listens there: the host keeps serving while it retries.
    const gatewayUrl = `http://127.0.0.1:${await freePort()}`;
    service = await startTestService(
      SessionHostModule.forRoot(hostConfig({ port, gatewayUrl, spoolDir: join(dir.dir, 'spool') })),
      { port },
    );
  });

  afterAll(async () => {
    await service?.close();
    await rm(dir.dir, { recursive: true, force: true });
  });

  it('boots and answers its health and metrics endpoints', async () => {
    expect((await fetch(`${service.url}/health/ready`)).status).toBe(200);
    expect((await fetch(`${service.url}/health`)).status).toBe(200);
    const metrics = await fetch(`${service.url}/metrics`, {
      headers: { authorization: `Bearer ${METRICS_TOKEN}` },
    });
    expect(await metrics.text()).toContain('service="session-host"');
  });

  it('refuses to start without the credentials it needs, naming the key', () => {
    const config = hostConfig({ port: 9005, gatewayUrl: 'http://127.0.0.1:9', spoolDir: dir.dir });
    const withoutToken = {
      ...config,
      gateway: { ...config.gateway, backend: { ...config.gateway.backend, token: undefined } },
    };
    expect(() => SessionHostModule.forRoot(withoutToken)).toThrow('gateway.backend.token is not set');
    const withoutServiceToken = {
      ...config,
      metricsEngine: { ...config.metricsEngine, serviceToken: undefined },
    };
    expect(() => SessionHostModule.forRoot(withoutServiceToken)).toThrow(
      'metricsEngine.serviceToken is not set',
    );
  });

  it('describes every route it serves and nothing else in its OpenAPI document, which lints clean and is the committed one', async () => {
    await expectServedDocument(service.app, service.url, 'session-host');
  });
});
