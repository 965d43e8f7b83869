import { Injectable } from '@nestjs/common';
import { GATEWAY_HEALTH_BODY, gatewayHealthRoute } from '@webstream/contracts';
import { ProbeAnswers } from '@webstream/service-kit';
import { GatewayMetrics } from '../observability/gateway-metrics';

/**
 * Seed 000's plain liveness answer for load balancers that only look for 200 and "OK", answered ahead of the
 * framework like /health/live.
 */
@Injectable()
export class GatewayHealthProbe {
  constructor(probes: ProbeAnswers, metrics: GatewayMetrics) {
    probes.add(gatewayHealthRoute.path, {
      contentType: 'text/plain; charset=utf-8',
      body: () => GATEWAY_HEALTH_BODY,
    });
    // The probes are the gateway's own requests in gateway_requests_total, as when the framework served them.
    probes.onAnswered((method, path, status, seconds) =>
      metrics.observeRequest('gateway', method, path, status, seconds),
    );
  }
}
