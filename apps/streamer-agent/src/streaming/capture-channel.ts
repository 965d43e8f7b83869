import { type IncomingMessage } from 'node:http';
import { Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { type WebstreamConfig } from '@webstream/config';
import {
  CAPTURE_CODECS_QUERY_PARAM,
  captureClientMessageSchema,
  chooseVideoCodec,
  closeCodes,
  defaultVideoPolicy,
  encodeFrameMessage,
  parseCaptureCodecs,
  type ResizeMessage,
  type StreamerLaunch,
  type VideoCodec,
} from '@webstream/contracts';
import { InjectConfig } from '@webstream/service-kit';
import { PinoLogger } from 'nestjs-pino';
import { type RawData, type WebSocket } from 'ws';
import { type EncodedFrame } from '../media/media';
import { SessionMedia } from '../session/session-media';
import { InjectStreamerLaunch } from '../session/streamer-launch';
import { StreamerTelemetry } from '../telemetry/streamer-telemetry';
import { ClientHub, sendError } from './client-hub';
import { parseClientMessage } from './client-message';
import { BitrateGovernor, QualityGovernor } from './quality-governor';

interface Viewer {
  codec: VideoCodec;
  /** H.264 only: deltas are useless until the next keyframe (a new viewer, one that fell behind or failed). */
  awaitingKeyframe: boolean;
}

interface CodecSecond {
  sent: number;
  dropped: number;
  /** The longest send-to-acknowledgement time of the second (H.264 viewers acknowledge what they drew). */
  slowestAckMs: number;
}

/** Send times of the latest H.264 frames, for their acknowledgements: two seconds' worth at 60 fps. */
const ACKABLE_FRAMES = 120;

/**
 * /capture: every changed frame to every viewer, each frame encoded once per codec. Each viewer gets the first
 * codec it named (`?codecs=h264,jpeg`) that the workspace's policy allows, JPEG when none. A viewer whose socket
 * still holds more than streamer.maxBufferedBytes misses frames instead of queueing them: a JPEG viewer takes
 * the next whole frame, an H.264 viewer waits for a keyframe it asks for. Sustained misses lower the session's
 * JPEG quality or H.264 bitrate; so do H.264 frames acknowledged late (`frame-ack`).
 */
@Injectable()
export class CaptureChannel implements OnApplicationBootstrap, OnApplicationShutdown {
  private seq = 0;
  private readonly viewers = new Map<WebSocket, Viewer>();
  private readonly second: Record<VideoCodec, CodecSecond> = {
    jpeg: { sent: 0, dropped: 0, slowestAckMs: 0 },
    h264: { sent: 0, dropped: 0, slowestAckMs: 0 },
  };
  private readonly sentAt = new Map<number, number>();
  private jpegGovernor!: QualityGovernor;
  private bitrateGovernor: BitrateGovernor | undefined;
  private timer?: NodeJS.Timeout;

  constructor(
    @InjectConfig() private readonly config: WebstreamConfig,
    @InjectStreamerLaunch() private readonly launch: StreamerLaunch,
    private readonly media: SessionMedia,
    private readonly hub: ClientHub,
    private readonly telemetry: StreamerTelemetry,
    private readonly logger: PinoLogger,
  ) {}

  onApplicationBootstrap(): void {
    const { capture, h264 } = this.media.media;
    this.jpegGovernor = new QualityGovernor(this.config.streamer.jpegQuality, capture.quality);
    capture.onFrame((frame) => this.broadcast(frame));
    capture.setWatched(false);
    if (h264 !== undefined) {
      this.bitrateGovernor = new BitrateGovernor(h264.bitrateKbps);
      h264.onFrame((frame) => this.broadcast(frame));
    }
    this.timer = setInterval(() => this.adapt(), 1000);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  accept(socket: WebSocket, req: IncomingMessage): void {
    const codec = this.codecFor(req);
    this.hub.add('capture', socket);
    this.viewers.set(socket, { codec, awaitingKeyframe: codec === 'h264' });
    this.updateWatched();
    socket.once('close', () => {
      this.viewers.delete(socket);
      this.updateWatched();
    });
    this.logger.info({ codec }, 'viewer joined');
    const { capture, h264 } = this.media.media;
    if (codec === 'jpeg') {
      const latest = capture.latest();
      if (latest !== undefined) {
        socket.send(JSON.stringify(resizeOf(latest)));
        this.send(socket, latest, this.frameMessage(latest), true);
      }
    } else {
      h264?.requestKeyframe();
    }
    socket.on('message', (data: RawData, isBinary: boolean) => {
      const message = parseClientMessage(socket, data, isBinary, captureClientMessageSchema);
      if (message === undefined) return;
      switch (message.type) {
        case 'keyframe-request':
          this.keyframeFor(socket);
          break;
        case 'frame-ack':
          this.acknowledged(message.seq);
          break;
        case 'resize-request':
          this.resize(socket, message.width, message.height).catch((error: unknown) => {
            this.logger.warn({ err: error }, 'resizing the display failed');
            sendError(socket, closeCodes.INTERNAL, 'the display could not be resized');
          });
          break;
      }
    });
  }

  private codecFor(req: IncomingMessage): VideoCodec {
    const query = new URL(req.url ?? '/', 'http://streamer').searchParams;
    const allowed = (this.launch.contract.policy.video ?? defaultVideoPolicy).codecs;
    const codec = chooseVideoCodec(parseCaptureCodecs(query.get(CAPTURE_CODECS_QUERY_PARAM)), allowed);
    return codec === 'h264' && this.media.media.h264 === undefined ? 'jpeg' : codec;
  }

  private updateWatched(): void {
    const codecs = new Set([...this.viewers.values()].map((viewer) => viewer.codec));
    this.media.media.capture.setWatched(codecs.has('jpeg'));
    this.media.media.h264?.setWatched(codecs.has('h264'));
  }

  private keyframeFor(socket: WebSocket): void {
    const viewer = this.viewers.get(socket);
    if (viewer?.codec === 'h264') {
      viewer.awaitingKeyframe = true;
      this.media.media.h264?.requestKeyframe();
      return;
    }
    // Every JPEG is whole: the latest one is the keyframe.
    const frame = this.media.media.capture.latest();
    if (frame !== undefined) this.send(socket, frame, this.frameMessage(frame), true);
  }

  private acknowledged(seq: number): void {
    const sentAt = this.sentAt.get(seq);
    if (sentAt === undefined) return; // not an H.264 frame of ours, or too old to count
    const second = this.second.h264;
    second.slowestAckMs = Math.max(second.slowestAckMs, Date.now() - sentAt);
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
        keyframe: frame.keyframe,
        width: frame.width,
        height: frame.height,
      },
      frame.data,
    );
  }

  private broadcast(frame: EncodedFrame): void {
    let message: Uint8Array | undefined;
    let first = true;
    for (const [socket, viewer] of this.viewers) {
      if (viewer.codec !== frame.codec) continue;
      if (viewer.awaitingKeyframe) {
        if (!frame.keyframe) continue;
        viewer.awaitingKeyframe = false;
      }
      if (message === undefined) {
        message = this.frameMessage(frame);
        if (frame.codec === 'h264') this.remember(this.seq);
      }
      if (this.send(socket, frame, message, first)) first = false;
      else if (viewer.codec === 'h264') {
        // What follows a lost delta cannot be decoded: skip to a keyframe instead of queueing.
        viewer.awaitingKeyframe = true;
        this.media.media.h264?.requestKeyframe();
      }
    }
  }

  private remember(seq: number): void {
    this.sentAt.set(seq, Date.now());
    if (this.sentAt.size > ACKABLE_FRAMES) this.sentAt.delete(this.sentAt.keys().next().value!);
  }

  /** False when the frame was dropped for this viewer. */
  private send(socket: WebSocket, frame: EncodedFrame, message: Uint8Array, firstCopy: boolean): boolean {
    if (socket.readyState !== socket.OPEN) return false;
    const second = this.second[frame.codec];
    if (socket.bufferedAmount > this.config.streamer.maxBufferedBytes) {
      second.dropped += 1;
      this.telemetry.frameDropped();
      return false;
    }
    second.sent += 1;
    socket.send(message, { binary: true }, (error) => {
      if (error === undefined || error === null)
        this.telemetry.frameSent(message.length, Date.now() - frame.capturedAt, firstCopy);
    });
    return true;
  }

  private adapt(): void {
    const { jpeg, h264 } = this.second;
    const before = this.jpegGovernor.quality;
    const quality = this.jpegGovernor.second(jpeg.sent, jpeg.dropped);
    if (quality !== before) {
      this.logger.info(
        { from: before, to: quality, sent: jpeg.sent, dropped: jpeg.dropped },
        'adapting JPEG quality to what the viewers take',
      );
      this.media.media.capture.setQuality(quality);
    }
    const source = this.media.media.h264;
    if (source !== undefined && this.bitrateGovernor !== undefined) {
      const from = source.bitrateKbps;
      const to = this.bitrateGovernor.second(h264.sent, h264.dropped, h264.slowestAckMs);
      if (to !== from) {
        this.logger.info(
          { from, to, sent: h264.sent, dropped: h264.dropped, slowestAckMs: h264.slowestAckMs },
          'adapting the H.264 bitrate',
        );
        source.setBitrate(to);
      }
    }
    for (const counts of [jpeg, h264]) {
      counts.sent = 0;
      counts.dropped = 0;
      counts.slowestAckMs = 0;
    }
  }
}

function resizeOf(frame: EncodedFrame): ResizeMessage {
  return { type: 'resize', width: frame.width, height: frame.height };
}
