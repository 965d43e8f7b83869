import { Counter, Gauge, type Registry } from 'prom-client';

export interface BufferedCounts {
  memoryEvents: number;
  diskEvents: number;
}

export interface ClientMetrics {
  readonly sentEvents: Counter;
  readonly rejectedEvents: Counter;
  readonly droppedEvents: Counter;
  readonly sendFailures: Counter;
  /** Stops reporting this client's buffer in the gauge (on close). */
  detach(): void;
}

interface RegistryMetrics {
  readonly clients: Set<() => BufferedCounts>;
  readonly sentEvents: Counter;
  readonly rejectedEvents: Counter;
  readonly droppedEvents: Counter;
  readonly sendFailures: Counter;
}

// A registry can hold each metric name once, so clients sharing a registry share the metrics; the gauge sums them.
const byRegistry = new WeakMap<Registry, RegistryMetrics>();

function metricsFor(registry: Registry): RegistryMetrics {
  const existing = byRegistry.get(registry);
  if (existing) return existing;
  const clients = new Set<() => BufferedCounts>();
  new Gauge({
    name: 'telemetry_client_buffered_events',
    help: 'Telemetry events waiting to be sent to the metrics engine, in memory or spooled to disk',
    labelNames: ['location'],
    registers: [registry],
    collect() {
      let memory = 0;
      let disk = 0;
      for (const counts of clients) {
        const { memoryEvents, diskEvents } = counts();
        memory += memoryEvents;
        disk += diskEvents;
      }
      this.set({ location: 'memory' }, memory);
      this.set({ location: 'disk' }, disk);
    },
  });
  const created: RegistryMetrics = {
    clients,
    sentEvents: new Counter({
      name: 'telemetry_client_sent_events_total',
      help: 'Telemetry events the metrics engine accepted (duplicates of an already stored batch included)',
      registers: [registry],
    }),
    rejectedEvents: new Counter({
      name: 'telemetry_client_rejected_events_total',
      help: 'Telemetry events in batches the metrics engine rejected as invalid (kept in the spool rejected/ folder)',
      registers: [registry],
    }),
    droppedEvents: new Counter({
      name: 'telemetry_client_dropped_events_total',
      help: 'Telemetry events dropped before buffering (invalid, recorded after close, or no room left)',
      registers: [registry],
    }),
    sendFailures: new Counter({
      name: 'telemetry_client_send_failures_total',
      help: 'Batch sends that failed and will be retried (engine unreachable, timeout, 5xx, 401/403)',
      registers: [registry],
    }),
  };
  byRegistry.set(registry, created);
  return created;
}

export function attachMetrics(registry: Registry, counts: () => BufferedCounts): ClientMetrics {
  const metrics = metricsFor(registry);
  metrics.clients.add(counts);
  return {
    sentEvents: metrics.sentEvents,
    rejectedEvents: metrics.rejectedEvents,
    droppedEvents: metrics.droppedEvents,
    sendFailures: metrics.sendFailures,
    detach: () => {
      metrics.clients.delete(counts);
    },
  };
}
