import { Body, Controller, HttpCode, Post, UseGuards } from '@nestjs/common';
import {
  type HeartbeatRequest,
  heartbeatRequestSchema,
  type HeartbeatResponse,
  heartbeatRoute,
  type RegisterRequest,
  registerRequestSchema,
  type RegisterResponse,
  registerRoute,
  type UnregisterRequest,
  unregisterRequestSchema,
  type UnregisterResponse,
  unregisterRoute,
} from '@webstream/contracts';
import { BackendTokenGuard, ZodValidationPipe } from '@webstream/service-kit';
import { BackendRegistry } from './backend-registry';

/** Seed 000's inbound calls from session hosts; X-Backend-Token is checked before the body is read. */
@Controller()
@UseGuards(BackendTokenGuard)
export class BackendsController {
  constructor(private readonly registry: BackendRegistry) {}

  @Post(registerRoute.path)
  @HttpCode(200)
  register(
    @Body(new ZodValidationPipe(registerRequestSchema)) body: RegisterRequest,
  ): Promise<RegisterResponse> {
    return this.registry.register(body);
  }

  @Post(heartbeatRoute.path)
  @HttpCode(200)
  heartbeat(
    @Body(new ZodValidationPipe(heartbeatRequestSchema)) body: HeartbeatRequest,
  ): Promise<HeartbeatResponse> {
    return this.registry.heartbeat(body);
  }

  @Post(unregisterRoute.path)
  @HttpCode(200)
  unregister(
    @Body(new ZodValidationPipe(unregisterRequestSchema)) body: UnregisterRequest,
  ): Promise<UnregisterResponse> {
    return this.registry.unregister(body);
  }
}
