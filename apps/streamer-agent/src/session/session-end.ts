import { Inject, Injectable } from '@nestjs/common';
import { closeCodes } from '@webstream/contracts';
import { PinoLogger } from 'nestjs-pino';
import { type CloseEntry } from '../streaming/client-hub';

/** Ends this process once the session is over; production sends itself SIGTERM (see main.ts). */
export const PROCESS_EXIT = Symbol('PROCESS_EXIT');
export type ProcessExit = () => void;

export interface SessionEnding {
  entry: CloseEntry;
  /** For the log and the user, e.g. "idle for 900 s". */
  detail: string;
}

/**
 * The one way a session ends: the reason is fixed by whoever ends it first (idle timeout, maximum duration,
 * licence refusal, the application exiting, a drain), every client is told, and the process shuts down
 * through the same hooks as a SIGTERM from the session host (licence check-out, media stop, telemetry flush).
 */
@Injectable()
export class SessionEnd {
  private ending?: SessionEnding;
  private readonly listeners: ((ending: SessionEnding) => void)[] = [];

  constructor(
    @Inject(PROCESS_EXIT) private readonly exit: ProcessExit,
    private readonly logger: PinoLogger,
  ) {}

  onEnd(listener: (ending: SessionEnding) => void): void {
    this.listeners.push(listener);
  }

  get ended(): boolean {
    return this.ending !== undefined;
  }

  /** Why the session ended; going-away when the session host stopped it (SIGTERM) without a reason of ours. */
  reason(): SessionEnding {
    return this.ending ?? { entry: closeCodes.GOING_AWAY, detail: 'the session host stopped the session' };
  }

  end(entry: CloseEntry, detail: string): void {
    if (this.ending !== undefined) return;
    this.ending = { entry, detail };
    this.logger.info({ reason: entry.reason, code: entry.code, detail }, 'session ending');
    for (const listener of this.listeners) listener(this.ending);
    this.exit();
  }
}
