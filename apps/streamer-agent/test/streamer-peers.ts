import { randomBytes, randomUUID } from 'node:crypto';
import {
  BACKEND_TOKEN_HEADER,
  defaultPolicy,
  type StreamerLaunch,
  type WorkspacePolicy,
  sessionEndedRoute,
  streamerCheckinRoute,
  streamerCheckoutRoute,
  type TelemetryEvent,
  telemetryIngestRoute,
} from '@webstream/contracts';
import { StandIn } from '@webstream/testing';

/**
 * The streamer's two peers in one stand-in built from their endpoint definitions: the gateway's licence
 * check-in (answering whatever status the test sets), check-out and session end, and the metrics engine's
 * ingest (keeping every event it is sent). What the streamer sends is parsed as the real peers would.
 */
export class StreamerPeers {
  checkinStatus = 200;
  readonly events: TelemetryEvent[] = [];
  private readonly standIn = new StandIn()
    .on(streamerCheckinRoute, () =>
      this.checkinStatus === 200
        ? { body: { status: 'ok' as const, activeStreamers: 1, licensedSessions: 25 } }
        : { status: this.checkinStatus, message: 'the licence refuses this streamer' },
    )
    .on(streamerCheckoutRoute, () => ({ body: { success: true, activeStreamers: 0 } }))
    .on(sessionEndedRoute, () => ({ body: { ended: true } }))
    .on(telemetryIngestRoute, (request) => {
      const { events } = request.body as { events: TelemetryEvent[] };
      this.events.push(...events);
      return { body: { stored: true, events: events.length } };
    });

  get url(): string {
    return this.standIn.url;
  }

  get checkins(): { streamerGuid: string; token: string | undefined }[] {
    return this.standIn.calls(streamerCheckinRoute).map((request) => ({
      streamerGuid: (request.body as { streamerGuid: string }).streamerGuid,
      token: request.headers[BACKEND_TOKEN_HEADER] as string | undefined,
    }));
  }

  get checkouts(): string[] {
    return this.standIn
      .calls(streamerCheckoutRoute)
      .map((request) => (request.body as { streamerGuid: string }).streamerGuid);
  }

  get ends(): { sessionId: string; reason: string }[] {
    return this.standIn.calls(sessionEndedRoute).map((request) => {
      const { sessionId, reason } = request.body as { sessionId: string; reason: string };
      return { sessionId, reason };
    });
  }

  /** Answers the stand-in gave that broke their contract: a test's peers must keep to it. */
  get violations(): string[] {
    return this.standIn.violations;
  }

  async start(): Promise<this> {
    await this.standIn.start();
    return this;
  }

  async stop(): Promise<void> {
    await this.standIn.stop();
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
