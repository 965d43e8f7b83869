import { randomBytes, randomUUID } from 'node:crypto';
import { defaultPolicy, type StreamerLaunch, type WorkspacePolicy } from '@webstream/contracts';
import { StandInGateway, StandInMetricsEngine } from '@webstream/testing';

/** The streamer's two peers, each a stand-in built from its endpoint definitions: the gateway and the metrics engine. */
export class StreamerPeers {
  readonly gateway: StandInGateway;
  readonly engine = new StandInMetricsEngine();

  constructor(backendToken: string) {
    this.gateway = new StandInGateway({ backendToken });
  }

  /** Answers either stand-in gave that broke their contract: a test's peers must keep to it. */
  get violations(): string[] {
    return [...this.gateway.violations, ...this.engine.violations];
  }

  async start(): Promise<this> {
    await Promise.all([this.gateway.start(), this.engine.start()]);
    return this;
  }

  async stop(): Promise<void> {
    await Promise.all([this.gateway.stop(), this.engine.stop()]);
  }
}

/** The launch a session host would hand a streamer: a fresh session of the demo-like workspace, on `policy`. */
export function testLaunch(
  policy: Partial<WorkspacePolicy> = {},
  sessionId = `sess-${randomUUID().slice(0, 8)}`,
): StreamerLaunch {
  return {
    sessionId,
    streamerGuid: randomUUID(),
    port: 9010,
    contract: {
      workspaceId: 'ws-1',
      workspaceName: 'Test desk',
      workspaceType: 'app',
      appId: 'app-1',
      appExe: '/usr/bin/xterm',
      appArgs: '-geometry "80x24+0+0"',
      userId: 'user-1',
      username: 'una',
      orgId: 'org-1',
      policy: { ...defaultPolicy, ...policy },
    },
    address: '127.0.0.1',
    streamerSecret: randomBytes(32).toString('base64url'),
    sandbox: null,
    configOverrides: {},
  };
}
