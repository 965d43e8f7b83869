import {
  audioServerMessageSchema,
  type AudioFormatMessage,
  captureServerMessageSchema,
  type CaptureServerMessage,
  controlServerMessageSchema,
  type ControlServerMessage,
  decodeAudioChunkMessage,
  decodeFrameMessage,
  type FrameHeader,
  type WsErrorMessage,
} from '@webstream/contracts';
import { type CloseOutcome, describeClose } from './close-reasons';

export type Channel = 'capture' | 'control' | 'audio';

/** What the sockets' messages tell the page. */
export interface MessageEvents {
  frame(header: FrameHeader, payload: Uint8Array): void;
  capture(message: CaptureServerMessage): void;
  control(message: ControlServerMessage): void;
  latency(ms: number): void;
  audioFormat(format: AudioFormatMessage): void;
  audioChunk(payload: Uint8Array): void;
}

/** An error message counts as the reason for a close that follows within this time. */
const ERROR_EXPLAINS_CLOSE_MS = 5000;

/**
 * One message of `channel` to the event it raises; an error message also goes to `noteError`, as the likely reason
 * for a close that follows.
 */
export function dispatchMessage(
  channel: Channel,
  data: ArrayBuffer | string,
  events: MessageEvents,
  noteError: (message: WsErrorMessage) => void,
): void {
  try {
    if (typeof data !== 'string') {
      if (channel === 'capture') {
        const { header, payload } = decodeFrameMessage(data);
        events.frame(header, payload);
      } else if (channel === 'audio') {
        events.audioChunk(decodeAudioChunkMessage(data).payload);
      }
      return;
    }
    const json = JSON.parse(data) as unknown;
    if (channel === 'capture') {
      const parsed = captureServerMessageSchema.safeParse(json);
      if (!parsed.success) return;
      if (parsed.data.type === 'error') noteError(parsed.data);
      events.capture(parsed.data);
    } else if (channel === 'control') {
      const parsed = controlServerMessageSchema.safeParse(json);
      if (!parsed.success) return;
      if (parsed.data.type === 'pong') {
        events.latency(Math.max(0, performance.now() - parsed.data.t));
        return;
      }
      if (parsed.data.type === 'error') noteError(parsed.data);
      events.control(parsed.data);
    } else {
      const parsed = audioServerMessageSchema.safeParse(json);
      if (!parsed.success) return;
      if (parsed.data.type === 'error') noteError(parsed.data);
      else events.audioFormat(parsed.data);
    }
  } catch {
    // A malformed message is skipped; the next frame or chunk is whole again.
  }
}

/** The last error message of each socket, which explains why it closed when the close follows soon enough. */
export class RecentErrors {
  private lastErrors: Partial<Record<Channel, { message: WsErrorMessage; at: number }>> = {};

  clear(): void {
    this.lastErrors = {};
  }

  note(channel: Channel, message: WsErrorMessage): void {
    this.lastErrors[channel] = { message, at: Date.now() };
  }

  describeClose(channel: Channel, code: number): CloseOutcome {
    const last = this.lastErrors[channel];
    return describeClose(
      code,
      last !== undefined && Date.now() - last.at < ERROR_EXPLAINS_CLOSE_MS ? last.message : undefined,
    );
  }
}
