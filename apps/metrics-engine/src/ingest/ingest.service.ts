import { Injectable } from '@nestjs/common';
import { type TelemetryBatch, type TelemetryIngestResponse } from '@webstream/contracts';
import { InjectMetrics } from '@webstream/service-kit';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { IngestRepository } from './ingest.repository';

@Injectable()
export class IngestService {
  private readonly events: Counter<'kind'>;
  private readonly duplicates: Counter;
  private readonly batchSize: Histogram;
  private readonly inFlight: Gauge;
  private readonly lag: Histogram;

  constructor(
    private readonly repository: IngestRepository,
    @InjectMetrics() registry: Registry,
  ) {
    this.events = new Counter({
      name: 'metrics_ingest_events_total',
      help: 'Telemetry events stored, by kind',
      labelNames: ['kind'],
      registers: [registry],
    });
    this.duplicates = new Counter({
      name: 'metrics_ingest_duplicate_batches_total',
      help: 'Batches whose idempotency key was already stored (retries)',
      registers: [registry],
    });
    this.batchSize = new Histogram({
      name: 'metrics_ingest_batch_events',
      help: 'Events per accepted batch',
      buckets: [1, 10, 50, 100, 250, 500, 1000, 2500, 5000],
      registers: [registry],
    });
    this.inFlight = new Gauge({
      name: 'metrics_ingest_batches_in_flight',
      help: 'Batches being written right now (the ingestion queue depth)',
      registers: [registry],
    });
    this.lag = new Histogram({
      name: 'metrics_ingest_lag_seconds',
      help: 'Time from an event happening to its being stored',
      buckets: [0.05, 0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600],
      registers: [registry],
    });
  }

  async ingest(batch: TelemetryBatch): Promise<TelemetryIngestResponse> {
    this.inFlight.inc();
    try {
      const stored = await this.repository.store(batch);
      if (!stored) {
        this.duplicates.inc();
        return { stored: false, events: batch.events.length };
      }
      const now = Date.now();
      const perKind = new Map<string, number>();
      for (const event of batch.events) {
        perKind.set(event.kind, (perKind.get(event.kind) ?? 0) + 1);
        this.lag.observe(Math.max(0, (now - Date.parse(event.at)) / 1000));
      }
      for (const [kind, count] of perKind) this.events.inc({ kind }, count);
      this.batchSize.observe(batch.events.length);
      return { stored: true, events: batch.events.length };
    } finally {
      this.inFlight.dec();
    }
  }
}
