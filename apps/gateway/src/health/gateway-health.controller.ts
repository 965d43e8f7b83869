import { Controller, Header } from '@nestjs/common';
import { Endpoint } from '@webstream/service-kit';
import { GATEWAY_HEALTH_BODY, gatewayHealthRoute } from '@webstream/contracts';

/** Seed 000's plain liveness answer for load balancers that only look for 200 and "OK". */
@Controller()
export class GatewayHealthController {
  @Endpoint(gatewayHealthRoute)
  @Header('Content-Type', 'text/plain; charset=utf-8')
  @Header('Cache-Control', 'no-store')
  health(): string {
    return GATEWAY_HEALTH_BODY;
  }
}
