import { serviceProbeRoutes, type TelemetryEvent, telemetryIngestRoute } from '@webstream/contracts';
import { StandIn } from '../stand-in';

/**
 * The metrics engine's ingest endpoint and readiness probe, built from their definitions, keeping every event
 * it is sent; `ready` false makes /health/ready answer 503.
 */
export class StandInMetricsEngine {
  readonly events: TelemetryEvent[] = [];
  ready = true;
  private readonly standIn = new StandIn()
    .on(telemetryIngestRoute, (request) => {
      const { events } = request.body as { events: TelemetryEvent[] };
      this.events.push(...events);
      return { body: { stored: true, events: events.length } };
    })
    .on(serviceProbeRoutes.ready, () =>
      this.ready ? { body: { status: 'ok' as const } } : { status: 503, message: 'not ready' },
    );

  get url(): string {
    return this.standIn.url;
  }

  /** The Authorization header of every batch, in order. */
  get authorizations(): (string | undefined)[] {
    return this.standIn.calls(telemetryIngestRoute).map((request) => request.headers.authorization);
  }

  /** How many readiness probes it answered. */
  get readinessProbes(): number {
    return this.standIn.calls(serviceProbeRoutes.ready).length;
  }

  /** Answers the stand-in gave that broke their contract. */
  get violations(): string[] {
    return this.standIn.violations;
  }

  /** The usage event of `type` for one session, if it arrived. */
  usage(type: 'session-start' | 'session-end', sessionId: string): TelemetryEvent | undefined {
    return this.events.find(
      (event) => event.kind === 'usage' && event.type === type && event.sessionId === sessionId,
    );
  }

  async start(port = 0): Promise<this> {
    await this.standIn.start(port);
    return this;
  }

  stop(): Promise<void> {
    return this.standIn.stop();
  }
}
