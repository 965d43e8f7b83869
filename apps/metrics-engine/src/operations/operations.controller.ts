import { Controller, Get, UseGuards } from '@nestjs/common';
import {
  type OperationsLicenceResponse,
  operationsLicenceRoute,
  type OperationsNodesResponse,
  operationsNodesRoute,
  type OperationsSessionsResponse,
  operationsSessionsRoute,
} from '@webstream/contracts';
import { ServiceTokenGuard } from '../auth/service-token.guard';
import { OperationsRepository } from './operations.repository';

@Controller()
@UseGuards(ServiceTokenGuard)
export class OperationsController {
  constructor(private readonly operations: OperationsRepository) {}

  @Get(operationsNodesRoute.path)
  async nodes(): Promise<OperationsNodesResponse> {
    return { nodes: await this.operations.liveNodes(new Date()) };
  }

  @Get(operationsSessionsRoute.path)
  async sessions(): Promise<OperationsSessionsResponse> {
    return { sessions: await this.operations.activeSessions() };
  }

  @Get(operationsLicenceRoute.path)
  licence(): Promise<OperationsLicenceResponse> {
    return this.operations.licence();
  }
}
