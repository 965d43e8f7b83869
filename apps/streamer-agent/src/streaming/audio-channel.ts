import { Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import {
  type AudioFormatMessage,
  closeCodes,
  encodeAudioChunkMessage,
  type StreamerLaunch,
} from '@webstream/contracts';
import { type WebSocket } from 'ws';
import { Refusals } from '../policy/refusals';
import { SessionMedia } from '../session/session-media';
import { InjectStreamerLaunch } from '../session/streamer-launch';
import { StreamerTelemetry } from '../telemetry/streamer-telemetry';
import { ClientHub, sendError } from './client-hub';

/** Sound is small but steady: a client this far behind loses chunks rather than hearing them late. */
const MAX_BUFFERED_AUDIO_BYTES = 256 * 1024;

/** /audio: the format first, then the session's sound in chunks, to every client that keeps up. */
@Injectable()
export class AudioChannel implements OnApplicationBootstrap {
  private seq = 0;

  constructor(
    @InjectStreamerLaunch() private readonly launch: StreamerLaunch,
    private readonly media: SessionMedia,
    private readonly hub: ClientHub,
    private readonly refusals: Refusals,
    private readonly telemetry: StreamerTelemetry,
  ) {}

  onApplicationBootstrap(): void {
    this.media.media.audio?.onChunk((chunk) => this.broadcast(chunk));
  }

  accept(socket: WebSocket): void {
    if (!this.launch.contract.policy.audio) {
      this.refusals.refuse('audio', 'Sound is turned off for this workspace.');
      sendError(socket, closeCodes.POLICY_REFUSAL, 'sound is turned off for this workspace');
      socket.close(closeCodes.POLICY_REFUSAL.code, closeCodes.POLICY_REFUSAL.reason);
      return;
    }
    const audio = this.media.media.audio;
    if (audio === undefined) {
      sendError(socket, closeCodes.NORMAL, 'this session has no sound to send');
      socket.close(closeCodes.NORMAL.code, closeCodes.NORMAL.reason);
      return;
    }
    this.hub.add('audio', socket);
    const format: AudioFormatMessage = { type: 'audio-format', ...audio.format };
    socket.send(JSON.stringify(format));
  }

  private broadcast(chunk: Buffer): void {
    const clients = this.hub.of('audio');
    if (clients.size === 0) return;
    this.seq += 1;
    const message = encodeAudioChunkMessage({ seq: this.seq, timestamp: Date.now() }, chunk);
    for (const socket of clients) {
      if (socket.readyState !== socket.OPEN || socket.bufferedAmount > MAX_BUFFERED_AUDIO_BYTES) continue;
      socket.send(message, { binary: true });
      this.telemetry.audioSent(message.length);
    }
  }
}
