import { Body, Controller, UseGuards } from '@nestjs/common';
import {
  type TelemetryBatch,
  type TelemetryIngestResponse,
  telemetryIngestRoute,
} from '@webstream/contracts';
import { Endpoint, ServiceTokenGuard } from '@webstream/service-kit';
import { IngestService } from './ingest.service';

@Controller()
@UseGuards(ServiceTokenGuard)
export class IngestController {
  constructor(private readonly ingestService: IngestService) {}

  @Endpoint(telemetryIngestRoute)
  ingest(@Body() batch: TelemetryBatch): Promise<TelemetryIngestResponse> {
    return this.ingestService.ingest(batch);
  }
}
