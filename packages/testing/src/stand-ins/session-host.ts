import { type IncomingHttpHeaders } from 'node:http';
import {
  BACKEND_TOKEN_HEADER,
  backendHealthRoute,
  type HostSessionEndRequest,
  type RegisterRequest,
  hostGetConnectionRoute,
  hostSessionEndRoute,
  SESSION_ID_HEADER,
  type StreamerConnection,
} from '@webstream/contracts';
import { backendHealthAnswer, hostRegistration } from '../stand-in-answers';
import { StandIn, type StandInRequest } from '../stand-in';

/**
 * How it answers /health: as a host would (healthy, degraded), with an error status, never, or with a body no
 * host sends (the last two are faults a test injects: the gateway must treat them as failed probes).
 */
export type StandInHealthMode = 'healthy' | 'degraded' | 'fail' | 'hang' | 'malformed';

export interface HealthProbe {
  /** Date.now() when the probe arrived. */
  at: number;
  mode: StandInHealthMode;
  /** What `observe` answered when the probe arrived (e.g. the gateway's health view before this probe). */
  observed: string | undefined;
}

/** The gateway's request to end one of the host's sessions. */
export interface SessionEndRequest extends HostSessionEndRequest {
  token: string | undefined;
}

/**
 * A session host, built from its endpoint definitions: /health in the mode a test sets (recording every probe),
 * /session/end, and /getConnection answering with the streamer `streamerFor` names (503, as from a full host,
 * when it names none). /getConnection and /session/end need the backend token.
 */
export class StandInSessionHost {
  mode: StandInHealthMode = 'healthy';
  readonly probes: HealthProbe[] = [];
  readonly ends: SessionEndRequest[] = [];
  /** The headers of every /getConnection: the workspace contract the gateway sent. */
  readonly connections: IncomingHttpHeaders[] = [];
  observe: (() => string) | undefined;
  /** /getConnection never answers (a host slow to start a streamer): for cancellation tests. */
  hangConnections = false;
  streamerFor: (sessionId: string) => StreamerConnection | undefined = () => undefined;
  private readonly standIn = new StandIn()
    .on(backendHealthRoute, () => this.health())
    .on(hostSessionEndRoute, (request) => {
      const body = request.body as HostSessionEndRequest;
      this.ends.push({ ...body, token: request.headers[BACKEND_TOKEN_HEADER] as string | undefined });
      return this.refusal(request) ?? { body: { ended: true } };
    })
    .on(hostGetConnectionRoute, (request) => {
      const refused = this.refusal(request);
      if (refused) return refused;
      this.connections.push(request.headers);
      if (this.hangConnections) return { fault: 'hang' as const };
      const streamer = this.streamerFor(request.headers[SESSION_ID_HEADER] as string);
      return streamer ? { body: streamer } : { status: 503, message: 'the host is full' };
    });

  constructor(private readonly options: { backendToken: string; mode?: StandInHealthMode }) {
    this.mode = options.mode ?? 'healthy';
  }

  get url(): string {
    return this.standIn.url;
  }

  /** Answers the stand-in gave that broke their contract (never the faults it was told to inject). */
  get violations(): string[] {
    return this.standIn.violations;
  }

  /** What this host sends a gateway to register (its url, room for 10 sessions unless `overrides` say). */
  registration(overrides: Partial<RegisterRequest> = {}): RegisterRequest {
    return hostRegistration(this.url, overrides);
  }

  /** The operationIds of the requests whose caller went away before this host answered. */
  get abandoned(): string[] {
    return this.standIn.abandoned.map((request) => request.operationId);
  }

  /** Milliseconds between consecutive probes, from probe `from` (0-based) on. */
  gaps(from = 0, to = this.probes.length): number[] {
    const at = this.probes.slice(from, to).map((probe) => probe.at);
    return at.slice(1).map((time, index) => time - at[index]!);
  }

  async start(port = 0): Promise<this> {
    await this.standIn.start(port);
    return this;
  }

  stop(): Promise<void> {
    return this.standIn.stop();
  }

  private health() {
    this.probes.push({ at: Date.now(), mode: this.mode, observed: this.observe?.() });
    switch (this.mode) {
      case 'healthy':
        return { body: backendHealthAnswer() };
      case 'degraded':
        return {
          body: backendHealthAnswer({ status: 'degraded', problems: ['no display can be captured'] }),
        };
      case 'fail':
        return { status: 503, message: 'the host is failing' };
      case 'hang':
        return { fault: 'hang' as const };
      case 'malformed':
        return { fault: 'unchecked' as const, status: 200, body: { status: 'ok' } };
    }
  }

  private refusal(request: StandInRequest): { status: number; message: string } | undefined {
    return request.headers[BACKEND_TOKEN_HEADER] === this.options.backendToken
      ? undefined
      : { status: 401, message: `${BACKEND_TOKEN_HEADER} must carry gateway.backend.token` };
  }
}
