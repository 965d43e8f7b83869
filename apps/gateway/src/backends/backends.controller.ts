import { Body, Controller, UseGuards } from '@nestjs/common';
import {
  type HeartbeatRequest,
  type HeartbeatResponse,
  heartbeatRoute,
  type RegisterRequest,
  type RegisterResponse,
  registerRoute,
  type UnregisterRequest,
  type UnregisterResponse,
  unregisterRoute,
} from '@webstream/contracts';
import { BackendTokenGuard, Endpoint } from '@webstream/service-kit';
import { BackendRegistry } from './backend-registry';

/** Seed 000's inbound calls from session hosts; X-Backend-Token is checked before the body is read. */
@Controller()
@UseGuards(BackendTokenGuard)
export class BackendsController {
  constructor(private readonly registry: BackendRegistry) {}

  @Endpoint(registerRoute)
  register(@Body() body: RegisterRequest): Promise<RegisterResponse> {
    return this.registry.register(body);
  }

  @Endpoint(heartbeatRoute)
  heartbeat(@Body() body: HeartbeatRequest): Promise<HeartbeatResponse> {
    return this.registry.heartbeat(body);
  }

  @Endpoint(unregisterRoute)
  unregister(@Body() body: UnregisterRequest): Promise<UnregisterResponse> {
    return this.registry.unregister(body);
  }
}
