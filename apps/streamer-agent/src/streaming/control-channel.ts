import { Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import {
  type ClipboardMessage,
  closeCodes,
  controlClientMessageSchema,
  type ControlClientMessage,
  type NoticeMessage,
  type StreamerLaunch,
  type TouchMessage,
  type WorkspacePolicy,
} from '@webstream/contracts';
import { PinoLogger } from 'nestjs-pino';
import { type RawData, type WebSocket } from 'ws';
import { PolicyClock } from '../policy/policy-clock';
import { Refusals } from '../policy/refusals';
import { SessionMedia } from '../session/session-media';
import { InjectStreamerLaunch } from '../session/streamer-launch';
import { StreamerTelemetry } from '../telemetry/streamer-telemetry';
import { ClientHub, sendError } from './client-hub';
import { parseClientMessage } from './client-message';

/**
 * What a control message costs. Every message, parsed or not, spends an `input` token: key, pointer, wheel and
 * touch go to the session's one long-lived xdotool, so they are cheap and frequent. `expensive` ones spend one
 * more from a much smaller budget: a clipboard write starts an xclip.
 */
export type ControlMessageClass = 'input' | 'expensive';

export interface TokenBucketLimit {
  /** Tokens added back per second: the sustained rate. */
  perSecond: number;
  /** Tokens the bucket holds at most, and starts with: the burst. */
  burst: number;
}

export interface ControlRateLimits {
  buckets: Record<ControlMessageClass, TokenBucketLimit>;
  /** A rate-limited socket is told at most once per window, and its drops logged at most once, with counts. */
  windowMs: number;
}

/**
 * A mouse moving fast sends hundreds of pointer messages a second, and up to about a thousand in a burst (high
 * polling rates, coalesced events): the input budget leaves room for twice that. Clipboard writes come from a
 * paste or a copy, a few at a time.
 */
export const defaultControlRateLimits: ControlRateLimits = {
  buckets: {
    input: { perSecond: 2_000, burst: 2_000 },
    expensive: { perSecond: 2, burst: 5 },
  },
  windowMs: 10_000,
};

/** Message types that start a process in the session. */
const EXPENSIVE_TYPES: ReadonlySet<ControlClientMessage['type']> = new Set(['clipboard']);

const RATE_LIMITED_NOTICE: NoticeMessage = {
  type: 'notice',
  kind: 'policy-refusal',
  message: 'You are sending input faster than this session accepts: some of it is being dropped.',
};

/** Milliseconds from a monotonic clock. */
export type Clock = () => number;

class TokenBucket {
  private tokens: number;
  private at: number;

  constructor(
    private readonly limit: TokenBucketLimit,
    private readonly now: Clock,
  ) {
    this.tokens = limit.burst;
    this.at = now();
  }

  take(): boolean {
    const now = this.now();
    const elapsedMs = Math.max(0, now - this.at);
    this.at = now;
    this.tokens = Math.min(this.limit.burst, this.tokens + (elapsedMs * this.limit.perSecond) / 1_000);
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

/**
 * One socket's budgets. Over budget a message is dropped, not queued; the first drop of a window calls
 * `onLimited` (the notice) and the window's end calls `onDropped` with what it dropped (the log line).
 */
export class ControlRateLimiter {
  private readonly buckets: Record<ControlMessageClass, TokenBucket>;
  private dropped: Record<ControlMessageClass, number> = { input: 0, expensive: 0 };
  private window: NodeJS.Timeout | undefined;

  constructor(
    private readonly limits: ControlRateLimits,
    private readonly onLimited: () => void,
    private readonly onDropped: (dropped: Record<ControlMessageClass, number>) => void,
    now: Clock = () => performance.now(),
  ) {
    this.buckets = {
      input: new TokenBucket(limits.buckets.input, now),
      expensive: new TokenBucket(limits.buckets.expensive, now),
    };
  }

  /** Whether a message of this class may go ahead now. */
  admit(messageClass: ControlMessageClass): boolean {
    if (this.buckets[messageClass].take()) return true;
    this.dropped[messageClass] += 1;
    if (this.window === undefined) {
      this.window = setTimeout(() => this.endWindow(), this.limits.windowMs);
      this.window.unref();
      this.onLimited();
    }
    return false;
  }

  /** The socket closed: what the open window dropped is reported now. */
  close(): void {
    this.endWindow();
  }

  private endWindow(): void {
    clearTimeout(this.window);
    this.window = undefined;
    const { dropped } = this;
    this.dropped = { input: 0, expensive: 0 };
    if (dropped.input + dropped.expensive > 0) this.onDropped(dropped);
  }
}

/**
 * /control: keys, pointer, wheel and touch injected into the session's display, the clipboard both ways, and
 * pings — each checked against its schema first and against the workspace policy (view-only, clipboard
 * direction and size) before it reaches the session. Each socket has rate budgets (see defaultControlRateLimits):
 * over them messages are dropped, the client is told once per window, and the drops are logged once per window.
 */
@Injectable()
export class ControlChannel implements OnApplicationBootstrap {
  private readonly policy: WorkspacePolicy;
  private connections = 0;

  constructor(
    @InjectStreamerLaunch() launch: StreamerLaunch,
    private readonly media: SessionMedia,
    private readonly hub: ClientHub,
    private readonly clock: PolicyClock,
    private readonly refusals: Refusals,
    private readonly telemetry: StreamerTelemetry,
    private readonly logger: PinoLogger,
  ) {
    this.policy = launch.contract.policy;
  }

  onApplicationBootstrap(): void {
    this.media.media.input.onClipboard((text) => this.clipboardOut(text));
  }

  accept(socket: WebSocket): void {
    this.hub.add('control', socket);
    if (!this.policy.inputAllowed) {
      this.hub.notice('view-only', 'This workspace is view only: your input is not sent to the session.');
    }
    const limiter = this.rateLimiter(socket);
    socket.once('close', () => limiter.close());
    socket.on('message', (data: RawData, isBinary: boolean) => {
      // Checked before parsing: a flood of malformed messages would otherwise cost a parse and an error reply each.
      if (!limiter.admit('input')) return;
      const message = parseClientMessage(socket, data, isBinary, controlClientMessageSchema);
      if (message === undefined) return;
      if (EXPENSIVE_TYPES.has(message.type) && !limiter.admit('expensive')) return;
      try {
        this.handle(socket, message);
      } catch (error) {
        // A message that passed its schema and still failed is our fault, never a reason to stop the session.
        this.logger.error({ err: error, type: message.type }, 'control message failed');
        sendError(socket, closeCodes.INTERNAL, `the ${message.type} message could not be applied`);
      }
    });
  }

  private rateLimiter(socket: WebSocket): ControlRateLimiter {
    const connection = ++this.connections;
    return new ControlRateLimiter(
      defaultControlRateLimits,
      () => {
        if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(RATE_LIMITED_NOTICE));
      },
      (dropped) =>
        this.logger.warn(
          { connection, dropped, windowMs: defaultControlRateLimits.windowMs },
          'control messages over the rate limit were dropped',
        ),
    );
  }

  private handle(socket: WebSocket, message: ControlClientMessage): void {
    const { input } = this.media.media;
    switch (message.type) {
      case 'ping':
        socket.send(JSON.stringify({ type: 'pong', t: message.t }));
        return;
      case 'clipboard':
        this.clipboardIn(socket, message);
        return;
      case 'key':
      case 'pointer':
      case 'wheel':
      case 'touch':
        if (!this.policy.inputAllowed) {
          this.telemetry.input('refused');
          this.refusals.refuse('input', 'This workspace is view only: input is not allowed.', {
            inputType: message.type,
          });
          return;
        }
        this.telemetry.input('injected');
        this.clock.inputSeen();
        if (message.type === 'key') input.key(message);
        else if (message.type === 'pointer') input.pointer(message);
        else if (message.type === 'wheel') input.wheel(message);
        else this.touch(message);
        return;
    }
  }

  /** One finger drives the pointer, as a touch screen over a desktop does. */
  private touch(message: TouchMessage): void {
    const finger = message.touches[0];
    if (finger === undefined) return;
    const { input } = this.media.media;
    const action = message.action === 'start' ? 'down' : message.action === 'move' ? 'move' : 'up';
    input.pointer({
      type: 'pointer',
      action,
      x: finger.x,
      y: finger.y,
      button: 0,
      buttons: action === 'up' ? 0 : 1,
    });
  }

  private clipboardIn(socket: WebSocket, message: ClipboardMessage): void {
    const { clipboard } = this.policy;
    if (!clipboard.inbound) {
      this.refusals.refuse('clipboard-in', 'Pasting into this session is not allowed by its workspace.');
      return;
    }
    const bytes = Buffer.byteLength(message.data, 'utf8');
    if (bytes > clipboard.maxBytes) {
      this.refusals.refuse(
        'clipboard-in',
        `The clipboard holds ${bytes} bytes, over this workspace's limit of ${clipboard.maxBytes}.`,
        { bytes, maxBytes: clipboard.maxBytes },
      );
      return;
    }
    this.clock.inputSeen();
    this.media.media.input.setClipboard(message.data).catch((error: unknown) => {
      this.logger.warn({ err: error }, 'setting the session clipboard failed');
      sendError(socket, closeCodes.INTERNAL, 'the clipboard could not be set');
    });
  }

  private clipboardOut(text: string): void {
    if (this.hub.count('control') === 0) return;
    const { clipboard } = this.policy;
    if (!clipboard.outbound) {
      this.refusals.refuse('clipboard-out', 'Copying out of this session is not allowed by its workspace.');
      return;
    }
    const bytes = Buffer.byteLength(text, 'utf8');
    if (bytes > clipboard.maxBytes) {
      this.refusals.refuse(
        'clipboard-out',
        `The session's clipboard holds ${bytes} bytes, over this workspace's limit of ${clipboard.maxBytes}.`,
        { bytes, maxBytes: clipboard.maxBytes },
      );
      return;
    }
    const message: ClipboardMessage = { type: 'clipboard', mimeType: 'text/plain', data: text };
    this.hub.broadcast('control', message);
  }
}
