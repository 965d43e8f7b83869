import { Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { type Span } from '@opentelemetry/api';
import { type StreamerLaunch } from '@webstream/contracts';
import { ServiceTracing } from '@webstream/service-kit';
import { InjectStreamerLaunch } from './streamer-launch';

/**
 * The streamer's start (its modules, capture and licence seat, up to serving) as `streamer-agent.start`, a span
 * of the trace that asked for the session: the session host passes it on in the launch (`traceparent`).
 */
@Injectable()
export class StreamerStartTrace implements OnApplicationBootstrap {
  private readonly span: Span | undefined;

  constructor(@InjectStreamerLaunch() launch: StreamerLaunch, tracing: ServiceTracing) {
    this.span =
      launch.traceparent === undefined
        ? undefined
        : tracing.continueTrace(
            'start',
            { traceparent: launch.traceparent },
            { 'webstream.session_id': launch.sessionId, 'webstream.streamer_guid': launch.streamerGuid },
          );
  }

  onApplicationBootstrap(): void {
    this.span?.end();
  }
}
