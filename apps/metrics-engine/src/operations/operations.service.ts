import { Injectable } from '@nestjs/common';
import {
  type OperationsLicenceResponse,
  type OperationsNodesResponse,
  type OperationsSessionsResponse,
} from '@webstream/contracts';
import { OperationsRepository } from './operations.repository';

/** The live views of the Operations page, as of now. */
@Injectable()
export class OperationsService {
  constructor(private readonly operations: OperationsRepository) {}

  async nodes(): Promise<OperationsNodesResponse> {
    return { nodes: await this.operations.liveNodes(new Date()) };
  }

  async sessions(): Promise<OperationsSessionsResponse> {
    return { sessions: await this.operations.activeSessions() };
  }

  licence(): Promise<OperationsLicenceResponse> {
    return this.operations.licence();
  }
}
