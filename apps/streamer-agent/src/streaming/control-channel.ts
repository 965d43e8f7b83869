import { Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import {
  type ClipboardMessage,
  closeCodes,
  controlClientMessageSchema,
  type ControlClientMessage,
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
 * /control: keys, pointer, wheel and touch injected into the session's display, the clipboard both ways, and
 * pings — each checked against its schema first and against the workspace policy (view-only, clipboard
 * direction and size) before it reaches the session.
 */
@Injectable()
export class ControlChannel implements OnApplicationBootstrap {
  private readonly policy: WorkspacePolicy;

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
    socket.on('message', (data: RawData, isBinary: boolean) => {
      const message = parseClientMessage(socket, data, isBinary, controlClientMessageSchema);
      if (message === undefined) return;
      try {
        this.handle(socket, message);
      } catch (error) {
        // A message that passed its schema and still failed is our fault, never a reason to stop the session.
        this.logger.error({ err: error, type: message.type }, 'control message failed');
        sendError(socket, closeCodes.INTERNAL, `the ${message.type} message could not be applied`);
      }
    });
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
