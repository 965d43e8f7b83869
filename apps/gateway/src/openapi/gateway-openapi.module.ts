import { Module } from '@nestjs/common';
import { GatewayOpenApi } from './gateway-openapi';
import { GatewayOpenApiController } from './gateway-openapi.controller';

/** GET /openapi.json and /openapi.yaml: the gateway's, IAM's and the metrics engine's routes in one document. */
@Module({
  controllers: [GatewayOpenApiController],
  providers: [GatewayOpenApi],
  exports: [GatewayOpenApi],
})
export class GatewayOpenApiModule {}
