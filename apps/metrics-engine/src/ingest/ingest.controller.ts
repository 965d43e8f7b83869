import { Body, Controller, HttpCode, Post, UseGuards } from '@nestjs/common';
import {
  type TelemetryBatch,
  telemetryBatchSchema,
  type TelemetryIngestResponse,
  telemetryIngestRoute,
} from '@webstream/contracts';
import { ZodValidationPipe } from '@webstream/service-kit';
import { ServiceTokenGuard } from '../auth/service-token.guard';
import { IngestService } from './ingest.service';

@Controller()
@UseGuards(ServiceTokenGuard)
export class IngestController {
  constructor(private readonly ingestService: IngestService) {}

  @Post(telemetryIngestRoute.path)
  @HttpCode(200)
  ingest(
    @Body(new ZodValidationPipe(telemetryBatchSchema)) batch: TelemetryBatch,
  ): Promise<TelemetryIngestResponse> {
    return this.ingestService.ingest(batch);
  }
}
