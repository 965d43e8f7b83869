import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { backendHealthResponseSchema, type ErrorEnvelope } from '@webstream/contracts';
import { startTestService, type TestService } from '@webstream/service-kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CAPTURE_TOOLS, onPath } from '../src/host/host-facts';
import { SessionHostModule } from '../src/session-host.module';
import { StreamerLauncher } from '../src/sessions/streamer-launcher';
import {
  connectionHeaders,
  freePort,
  freePortRange,
  hostConfig,
  StandInGateway,
  StandInStreamers,
} from './stand-ins';

/**
 * A host that could show a real display (its capture tools are there) but cannot sandbox (bubblewrap is not):
 * it refuses every session rather than start an application unsandboxed, and says why.
 */
describe('a session host that cannot sandbox', () => {
  let gateway: StandInGateway;
  let streamers: StandInStreamers;
  let host: TestService;
  let pathDir: string;
  const searchPath = process.env.PATH;

  beforeAll(async () => {
    // The capture tools and the sandbox's other tools, but no bwrap.
    pathDir = mkdtempSync(join(tmpdir(), 'ws-no-bwrap-'));
    for (const tool of [...Object.values(CAPTURE_TOOLS), 'setpriv', 'prlimit']) {
      for (const dir of (searchPath ?? '').split(':')) {
        if (onPath(tool, dir)) {
          symlinkSync(join(dir, tool), join(pathDir, tool));
          break;
        }
      }
    }
    gateway = await new StandInGateway().start();
    streamers = await StandInStreamers.create();
    const port = await freePort();
    const config = hostConfig({
      port,
      gatewayUrl: gateway.url,
      basePort: await freePortRange(1, [port]),
      maxSessions: 1,
      spoolDir: join(streamers.dir, 'spool'),
      sandbox: 'bubblewrap',
    });
    // The search path is the process's own: the host looks for its tools there once, at start.
    process.env.PATH = pathDir;
    try {
      host = await startTestService(
        SessionHostModule.forRoot(config, {
          registerRetryIntervalMs: 200,
          streamerLauncher: new StreamerLauncher({ entry: streamers.script, args: [streamers.dir] }),
        }),
        { port },
      );
    } finally {
      process.env.PATH = searchPath;
    }
  });

  afterAll(async () => {
    await host?.close();
    await gateway?.close();
    rmSync(pathDir, { recursive: true, force: true });
  });

  it('answers /getConnection 503 naming the key and the missing tool, and starts no streamer', async () => {
    const response = await fetch(`${host.url}/getConnection`, { headers: connectionHeaders('s-refused-1') });
    expect(response.status).toBe(503);
    const { error } = (await response.json()) as ErrorEnvelope;
    expect(error.message).toContain('sessionHost.sandbox.mode is bubblewrap');
    expect(error.message).toContain('bwrap');
    expect(streamers.starts('s-refused-1')).toEqual([]);
  });

  it('reports itself degraded, with the reason among its problems', async () => {
    const health = backendHealthResponseSchema.parse(await (await fetch(`${host.url}/health`)).json());
    expect(health.status).toBe('degraded');
    expect(health.problems.some((problem) => problem.includes('bwrap is not installed'))).toBe(true);
  });
});
