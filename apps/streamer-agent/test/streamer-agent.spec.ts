import { webstreamConfigSchema } from '@webstream/config';
import { startTestService, type TestService } from '@webstream/service-kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StreamerAgentModule } from '../src/streamer-agent.module';

describe('the streamer agent app', () => {
  let service: TestService;

  beforeAll(async () => {
    service = await startTestService(
      StreamerAgentModule.forRoot(webstreamConfigSchema.parse({ logging: { level: 'silent' } })),
    );
  });

  afterAll(() => service.close());

  it('boots and answers its health and metrics endpoints', async () => {
    expect((await fetch(`${service.url}/health/ready`)).status).toBe(200);
    expect(await (await fetch(`${service.url}/metrics`)).text()).toContain('service="streamer-agent"');
  });
});
