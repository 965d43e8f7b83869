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
import { OperationsRepository } from './operations.repository';

@Controller()
@UseGuards(ServiceTokenGuard)
export class OperationsController {
  constructor(private readonly operations: OperationsRepository) {}

  @Endpoint(operationsNodesRoute)
  async nodes(): Promise<OperationsNodesResponse> {
    return { nodes: await this.operations.liveNodes(new Date()) };
  }

  @Endpoint(operationsSessionsRoute)
  async sessions(): Promise<OperationsSessionsResponse> {
    return { sessions: await this.operations.activeSessions() };
  }

  @Endpoint(operationsLicenceRoute)
  licence(): Promise<OperationsLicenceResponse> {
    return this.operations.licence();
  }
}
