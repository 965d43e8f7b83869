import { Module } from '@nestjs/common';
import { DownstreamHealth } from './downstream-health';

/** Health aggregation for GET /gateway/admin/health. Needs BackendsModule (global). */
@Module({ providers: [DownstreamHealth], exports: [DownstreamHealth] })
export class DownstreamHealthModule {}
