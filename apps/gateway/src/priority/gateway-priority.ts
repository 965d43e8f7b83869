import { getPriority, setPriority } from 'node:os';
import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { type WebstreamConfig } from '@webstream/config';
import { InjectConfig } from '@webstream/service-kit';
import { PinoLogger } from 'nestjs-pino';

/** Seed 000's elevated gateway: ahead of the session hosts' encoders when both share a machine. */
export const ELEVATED_NICE = -10;

/** os.setPriority and os.getPriority for this process; a test gives one that refuses. */
export interface ProcessPriorityControl {
  get(): number;
  set(nice: number): void;
}
export const PROCESS_PRIORITY_CONTROL = Symbol('ProcessPriorityControl');
export const osPriorityControl: ProcessPriorityControl = {
  get: () => getPriority(0),
  set: (nice) => setPriority(0, nice),
};

/**
 * gateway.elevateGatewayPriority: raises the gateway process's scheduling priority to nice −10 at start, so that
 * relaying input and frames is not starved by encoders on the same machine. Raising it needs CAP_SYS_NICE (root,
 * or the container's capability); without it the gateway runs on at its nice value and says so, naming the key.
 */
@Injectable()
export class GatewayPriority implements OnApplicationBootstrap {
  constructor(
    @InjectConfig() private readonly config: WebstreamConfig,
    @Inject(PROCESS_PRIORITY_CONTROL) private readonly control: ProcessPriorityControl,
    private readonly logger: PinoLogger,
  ) {
    this.logger.setContext(GatewayPriority.name);
  }

  onApplicationBootstrap(): void {
    if (!this.config.gateway.elevateGatewayPriority) return;
    const before = this.control.get();
    if (before <= ELEVATED_NICE) return;
    try {
      this.control.set(ELEVATED_NICE);
      this.logger.info({ nice: ELEVATED_NICE, before }, 'gateway priority elevated');
    } catch (error) {
      this.logger.warn(
        { nice: before, err: error instanceof Error ? error.message : String(error) },
        `gateway.elevateGatewayPriority is true, but this process may not raise its priority to nice ${ELEVATED_NICE} ` +
          '(it needs CAP_SYS_NICE: run as root or add the capability); it runs on at nice ' +
          `${before}. Set gateway.elevateGatewayPriority to false to silence this.`,
      );
    }
  }
}
