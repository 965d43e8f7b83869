import { type TelemetryEvent, telemetryIngestRoute } from '@webstream/contracts';
import { StandIn } from '../stand-in';

/** The metrics engine's ingest endpoint, built from its definition, keeping every event it is sent. */
export class StandInMetricsEngine {
  readonly events: TelemetryEvent[] = [];
  private readonly standIn = new StandIn().on(telemetryIngestRoute, (request) => {
    const { events } = request.body as { events: TelemetryEvent[] };
    this.events.push(...events);
    return { body: { stored: true, events: events.length } };
  });

  get url(): string {
    return this.standIn.url;
  }

  /** The Authorization header of every batch, in order. */
  get authorizations(): (string | undefined)[] {
    return this.standIn.received.map((request) => request.headers.authorization);
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
