import { Controller, Header } from '@nestjs/common';
import { backendHealthRoute, type BackendHealthResponse } from '@webstream/contracts';
import { Endpoint } from '@webstream/service-kit';
import { HostStatus } from './host-status';

/** What the gateway probes ({serverUrl}/health): 200 while the host serves, whatever its status says. */
@Controller()
export class BackendHealthController {
  constructor(private readonly status: HostStatus) {}

  @Endpoint(backendHealthRoute)
  @Header('cache-control', 'no-store')
  health(): BackendHealthResponse {
    return this.status.report();
  }
}
