import { type IncomingMessage } from 'node:http';
import { Injectable } from '@nestjs/common';
import {
  AUDIO_CODECS_QUERY_PARAM,
  type AudioFormatMessage,
  chooseAudioCodec,
  closeCodes,
  encodeAudioChunkMessage,
  parseAudioCodecs,
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

/**
 * /audio: the format first, then the session's sound in chunks, to every client that keeps up — Opus when the
 * client names it (`?codecs=opus,pcm-s16le`), PCM otherwise. Sound is captured only while a client listens, and
 * the web client opens /audio only while its user has sound on.
 */
@Injectable()
export class AudioChannel {
  private seq = 0;

  constructor(
    @InjectStreamerLaunch() private readonly launch: StreamerLaunch,
    private readonly media: SessionMedia,
    private readonly hub: ClientHub,
    private readonly refusals: Refusals,
    private readonly telemetry: StreamerTelemetry,
  ) {}

  accept(socket: WebSocket, req: IncomingMessage): void {
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
    const query = new URL(req.url ?? '/', 'http://streamer').searchParams;
    const codec = chooseAudioCodec(parseAudioCodecs(query.get(AUDIO_CODECS_QUERY_PARAM)), audio.codecs);
    const listening = audio.listen(codec, (chunk) => this.send(socket, chunk));
    socket.once('close', () => listening.stop());
    const format: AudioFormatMessage = { type: 'audio-format', ...listening.format };
    socket.send(JSON.stringify(format));
  }

  private send(socket: WebSocket, chunk: Buffer): void {
    if (socket.readyState !== socket.OPEN || socket.bufferedAmount > MAX_BUFFERED_AUDIO_BYTES) return;
    this.seq += 1;
    const message = encodeAudioChunkMessage({ seq: this.seq, timestamp: Date.now() }, chunk);
    socket.send(message, { binary: true });
    this.telemetry.audioSent(message.length);
  }
}
