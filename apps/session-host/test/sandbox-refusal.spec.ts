import { chmodSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { backendHealthResponseSchema, type ErrorEnvelope } from '@webstream/contracts';
import { startTestService, type TestService } from '@webstream/service-kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CAPTURE_TOOLS, onPath } from '../src/host/host-facts';
import { SessionHostModule } from '../src/session-host.module';
import { StreamerLauncher } from '../src/sessions/streamer-launcher';
import { freePort, StandInGateway } from '@webstream/testing';
import { connectionHeaders, freePortRange, hostConfig, StandInStreamers, TOKEN } from './stand-ins';

interface SandboxingHost {
  gateway: StandInGateway;
  streamers: StandInStreamers;
  host: TestService;
}

/**
 * A sandboxing session host with stand-in streamers, registered with a stand-in gateway; `withPath`, when
 * given, is the search path it starts under (it looks for its tools there once, at start).
 */
async function startSandboxingHost(
  settings: { homeRoot?: string; withPath?: string } = {},
): Promise<SandboxingHost> {
  const gateway = await new StandInGateway({ backendToken: TOKEN }).start();
  const streamers = await StandInStreamers.create();
  const port = await freePort();
  const config = hostConfig({
    port,
    gatewayUrl: gateway.url,
    basePort: await freePortRange(1, [port]),
    maxSessions: 1,
    spoolDir: join(streamers.dir, 'spool'),
    sandbox: 'bubblewrap',
    ...(settings.homeRoot === undefined ? {} : { homeRoot: settings.homeRoot }),
  });
  const searchPath = process.env.PATH;
  if (settings.withPath !== undefined) process.env.PATH = settings.withPath;
  try {
    const host = await startTestService(
      SessionHostModule.forRoot(config, {
        registerRetryIntervalMs: 200,
        streamerLauncher: new StreamerLauncher({ entry: streamers.script, args: [streamers.dir] }),
      }),
      { port },
    );
    return { gateway, streamers, host };
  } finally {
    process.env.PATH = searchPath;
  }
}

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
    ({ gateway, streamers, host } = await startSandboxingHost({ withPath: pathDir }));
  });

  afterAll(async () => {
    await host?.close();
    await gateway?.stop();
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

/**
 * A host with every tool whose homeRoot lies under a folder other users cannot search: bubblewrap, running as
 * the session's uid, could not bind a home from there, so the host refuses sessions up front and says why.
 */
describe('a session host whose homeRoot session users cannot reach (as root, where sandboxes are made)', () => {
  let gateway: StandInGateway;
  let streamers: StandInStreamers;
  let host: TestService;
  let closed: string;

  beforeAll(async () => {
    closed = mkdtempSync(join(tmpdir(), 'ws-closed-home-'));
    chmodSync(closed, 0o700);
    ({ gateway, streamers, host } = await startSandboxingHost({ homeRoot: join(closed, 'homes') }));
  });

  afterAll(async () => {
    await host?.close();
    await gateway?.stop();
    rmSync(closed, { recursive: true, force: true });
  });

  it('answers /getConnection 503 naming sessionHost.sandbox.homeRoot and the closed folder', async () => {
    const response = await fetch(`${host.url}/getConnection`, { headers: connectionHeaders('s-refused-2') });
    expect(response.status).toBe(503);
    const { error } = (await response.json()) as ErrorEnvelope;
    expect(error.message).toContain('sessionHost.sandbox.homeRoot');
    expect(error.message).toContain(`chmod o+x ${closed}`);
    expect(streamers.starts('s-refused-2')).toEqual([]);
  });
});
