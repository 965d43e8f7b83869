import { Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { type WebstreamConfig } from '@webstream/config';
import {
  captureClientMessageSchema,
  closeCodes,
  encodeFrameMessage,
  type ResizeMessage,
} from '@webstream/contracts';
import { InjectConfig } from '@webstream/service-kit';
import { PinoLogger } from 'nestjs-pino';
import { type RawData, type WebSocket } from 'ws';
import { type EncodedFrame } from '../media/media';
import { SessionMedia } from '../session/session-media';
import { StreamerTelemetry } from '../telemetry/streamer-telemetry';
import { ClientHub, sendError } from './client-hub';
import { parseClientMessage } from './client-message';
import { QualityGovernor } from './quality-governor';

/**
 * /capture: every changed frame to every client, each frame encoded once. A client whose socket still holds
 * more than streamer.maxBufferedBytes misses frames instead of queueing them (frames are whole JPEGs, so the
 * next one it gets is complete), and sustained misses lower the JPEG quality for the session.
 */
@Injectable()
export class CaptureChannel implements OnApplicationBootstrap, OnApplicationShutdown {
  private seq = 0;
  private sent = 0;
  private dropped = 0;
  private governor!: QualityGovernor;
  private timer?: NodeJS.Timeout;

  constructor(
    @InjectConfig() private readonly config: WebstreamConfig,
    private readonly media: SessionMedia,
    private readonly hub: ClientHub,
    private readonly telemetry: StreamerTelemetry,
    private readonly logger: PinoLogger,
  ) {}

  onApplicationBootstrap(): void {
    const capture = this.media.media.capture;
    this.governor = new QualityGovernor(this.config.streamer.jpegQuality, capture.quality);
    capture.onFrame((frame) => this.broadcast(frame));
    capture.setWatched(false);
    this.timer = setInterval(() => this.adapt(), 1000);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  accept(socket: WebSocket): void {
    this.hub.add('capture', socket);
    const capture = this.media.media.capture;
    capture.setWatched(true);
    socket.once('close', () => capture.setWatched(this.hub.count('capture') > 0));
    const latest = this.media.media.capture.latest();
    if (latest !== undefined) {
      socket.send(JSON.stringify(resizeOf(latest)));
      this.send(socket, latest, this.frameMessage(latest), true);
    }
    socket.on('message', (data: RawData, isBinary: boolean) => {
      const message = parseClientMessage(socket, data, isBinary, captureClientMessageSchema);
      if (message === undefined) return;
      switch (message.type) {
        case 'keyframe-request': {
          // Every frame is a whole JPEG: the latest one is the keyframe.
          const frame = this.media.media.capture.latest();
          if (frame !== undefined) this.send(socket, frame, this.frameMessage(frame), true);
          break;
        }
        case 'resize-request':
          this.resize(socket, message.width, message.height).catch((error: unknown) => {
            this.logger.warn({ err: error }, 'resizing the display failed');
            sendError(socket, closeCodes.INTERNAL, 'the display could not be resized');
          });
          break;
      }
    });
  }

  private async resize(socket: WebSocket, width: number, height: number): Promise<void> {
    if (!(await this.media.media.input.resize(width, height))) {
      sendError(socket, closeCodes.POLICY_REFUSAL, 'this session cannot change its display size');
      return;
    }
    const message: ResizeMessage = { type: 'resize', width, height };
    this.hub.broadcast('capture', message);
  }

  private frameMessage(frame: EncodedFrame): Uint8Array {
    this.seq += 1;
    return encodeFrameMessage(
      {
        seq: this.seq,
        timestamp: frame.capturedAt,
        codec: frame.codec,
        keyframe: true,
        width: frame.width,
        height: frame.height,
      },
      frame.data,
    );
  }

  private broadcast(frame: EncodedFrame): void {
    const clients = this.hub.of('capture');
    if (clients.size === 0) return;
    const message = this.frameMessage(frame);
    let first = true;
    for (const socket of clients) {
      if (this.send(socket, frame, message, first)) first = false;
    }
  }

  /** False when the frame was dropped for this client. */
  private send(socket: WebSocket, frame: EncodedFrame, message: Uint8Array, firstCopy: boolean): boolean {
    if (socket.readyState !== socket.OPEN) return false;
    if (socket.bufferedAmount > this.config.streamer.maxBufferedBytes) {
      this.dropped += 1;
      this.telemetry.frameDropped();
      return false;
    }
    this.sent += 1;
    socket.send(message, { binary: true }, (error) => {
      if (error === undefined || error === null)
        this.telemetry.frameSent(message.length, Date.now() - frame.capturedAt, firstCopy);
    });
    return true;
  }

  private adapt(): void {
    const before = this.governor.quality;
    const quality = this.governor.second(this.sent, this.dropped);
    if (quality !== before) {
      this.logger.info(
        { from: before, to: quality, sent: this.sent, dropped: this.dropped },
        'adapting JPEG quality to what the clients take',
      );
      this.media.media.capture.setQuality(quality);
    }
    this.sent = 0;
    this.dropped = 0;
  }
}

function resizeOf(frame: EncodedFrame): ResizeMessage {
  return { type: 'resize', width: frame.width, height: frame.height };
}
