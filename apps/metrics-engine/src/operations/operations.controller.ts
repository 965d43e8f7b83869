import { Controller, UseGuards } from '@nestjs/common';
import { Endpoint, ServiceTokenGuard } from '@webstream/service-kit';
import {
  type OperationsLicenceResponse,
  operationsLicenceRoute,
  type OperationsNodesResponse,
  operationsNodesRoute,
  type OperationsSessionsResponse,
  operationsSessionsRoute,
} from '@webstream/contracts';
import { OperationsService } from './operations.service';

@Controller()
@UseGuards(ServiceTokenGuard)
export class OperationsController {
  constructor(private readonly operations: OperationsService) {}

  @Endpoint(operationsNodesRoute)
  nodes(): Promise<OperationsNodesResponse> {
    return this.operations.nodes();
  }

  @Endpoint(operationsSessionsRoute)
  sessions(): Promise<OperationsSessionsResponse> {
    return this.operations.sessions();
  }

  @Endpoint(operationsLicenceRoute)
  licence(): Promise<OperationsLicenceResponse> {
    return this.operations.licence();
  }
}
