import { Injectable } from '@nestjs/common';
import { type NoticeKind } from '@webstream/contracts';
import { ClientHub } from '../streaming/client-hub';
import { StreamerTelemetry } from '../telemetry/streamer-telemetry';

export type RefusedAction = 'input' | 'clipboard-in' | 'clipboard-out' | 'audio';

/** A view-only user moving the mouse refuses many messages a second: one notice and one audit per period. */
const REPEAT_PERIOD_MS = 10_000;

/** What the workspace policy refuses: the user is told on the control channel, and it is audited. */
@Injectable()
export class Refusals {
  private readonly last = new Map<RefusedAction, number>();

  constructor(
    private readonly hub: ClientHub,
    private readonly telemetry: StreamerTelemetry,
  ) {}

  refuse(action: RefusedAction, message: string, detail: Record<string, unknown> = {}): void {
    const now = Date.now();
    const previous = this.last.get(action);
    if (previous !== undefined && now - previous < REPEAT_PERIOD_MS) return;
    this.last.set(action, now);
    const kind: NoticeKind = action === 'input' ? 'view-only' : 'policy-refusal';
    this.hub.notice(kind, message);
    this.telemetry.refusal(`session.${action}-refused`, { reason: message, ...detail });
  }
}
