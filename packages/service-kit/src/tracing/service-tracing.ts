import { type IncomingHttpHeaders } from 'node:http';
import {
  defaultTextMapGetter,
  defaultTextMapSetter,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
  type Tracer,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
} from '@opentelemetry/sdk-trace-base';
import { type WebstreamConfig } from '@webstream/config';

const propagator = new W3CTraceContextPropagator();

/** The W3C trace context headers (`traceparent`, `tracestate`) that carry `span` to the next hop. */
export function traceContextHeaders(span: Span): Record<string, string> {
  const headers: Record<string, string> = {};
  propagator.inject(trace.setSpan(ROOT_CONTEXT, span), headers, defaultTextMapSetter);
  return headers;
}

/** How long a batch of spans waits before it is exported, at most. */
const EXPORT_DELAY_MS = 1_000;
/** How long one export may take, the last one at a stop included. */
const EXPORT_TIMEOUT_MS = 5_000;

/**
 * This service's OpenTelemetry traces (observability.tracing): spans named `<service>.<step>` (the gateway's
 * `gateway.route`, `gateway.auth.validate`, `gateway.transport.send`, as seed 002 names them), parented on the
 * caller's W3C `traceparent`, exported over OTLP/HTTP. Its own provider rather than the global one, so that two
 * services in one process (the tests, `webstream all`'s roles are separate processes anyway) keep their names.
 * Off, it starts nothing and every span-taking call is a no-op.
 */
export class ServiceTracing {
  readonly enabled: boolean;
  private readonly provider: BasicTracerProvider | undefined;
  private readonly tracer: Tracer | undefined;

  constructor(
    readonly service: string,
    config: WebstreamConfig,
  ) {
    const settings = config.observability.tracing;
    this.enabled = settings.enabled;
    if (!settings.enabled) return;
    this.provider = new BasicTracerProvider({
      resource: resourceFromAttributes({ 'service.name': service, 'service.namespace': 'webstream' }),
      sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(settings.sampleRatio) }),
      spanProcessors: [
        new BatchSpanProcessor(
          new OTLPTraceExporter(settings.endpoint === undefined ? {} : { url: settings.endpoint }),
          { scheduledDelayMillis: EXPORT_DELAY_MS, exportTimeoutMillis: EXPORT_TIMEOUT_MS },
        ),
      ],
    });
    this.tracer = this.provider.getTracer('webstream', '0.1.0');
  }

  /** A span for one inbound request, the child of the caller's `traceparent` when it sent one. */
  startRequestSpan(headers: IncomingHttpHeaders, attributes: Record<string, string>): Span | undefined {
    return this.continueTrace('route', headers, attributes, SpanKind.SERVER);
  }

  /** `<service>.<step>`, the child of the span `headers` carry (`traceparent`), or a new trace's root. */
  continueTrace(
    step: string,
    headers: IncomingHttpHeaders | Record<string, string>,
    attributes: Record<string, string>,
    kind: SpanKind = SpanKind.INTERNAL,
  ): Span | undefined {
    if (!this.tracer) return undefined;
    const parent = propagator.extract(ROOT_CONTEXT, headers, defaultTextMapGetter);
    return this.tracer.startSpan(`${this.service}.${step}`, { kind, attributes }, parent);
  }

  /** A span for one step of the work `parent` does: `<service>.<step>`. */
  startStep(step: string, parent: Span | undefined, kind: SpanKind = SpanKind.INTERNAL): Span | undefined {
    if (!this.tracer || !parent) return undefined;
    return this.tracer.startSpan(`${this.service}.${step}`, { kind }, trace.setSpan(ROOT_CONTEXT, parent));
  }

  /** Ends `span` after `work`, marked as an error when it throws. */
  async step<T>(step: string, parent: Span | undefined, work: () => Promise<T>): Promise<T> {
    const span = this.startStep(step, parent);
    if (!span) return work();
    try {
      return await work();
    } catch (error) {
      span.setStatus({
        code: SpanStatusCode.ERROR,
        message: error instanceof Error ? error.message : String(error),
      });
      throw error;
    } finally {
      span.end();
    }
  }

  /**
   * Exports what is left: the service is stopping (a Nest lifecycle hook). A collector that is down or slow
   * costs those spans, never the stop: what the exporter says about it is its own diagnostic.
   */
  async onApplicationShutdown(): Promise<void> {
    await this.provider?.shutdown().catch(() => undefined);
  }
}
