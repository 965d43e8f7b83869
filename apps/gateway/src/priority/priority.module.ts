import { Module } from '@nestjs/common';
import { GatewayPriority, osPriorityControl, PROCESS_PRIORITY_CONTROL } from './gateway-priority';

@Module({
  providers: [GatewayPriority, { provide: PROCESS_PRIORITY_CONTROL, useValue: osPriorityControl }],
})
export class PriorityModule {}
