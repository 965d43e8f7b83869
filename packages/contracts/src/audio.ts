import { z } from 'zod';
import { decodeMediaMessage, encodeBinaryMessage, type MediaMessage } from './binary-message';
import { epochMillisSchema, payloadByteLengthSchema, sequenceSchema } from './media-bounds';
import { wsErrorMessageSchema } from './ws-error';

export const audioCodecSchema = z.enum(['opus', 'pcm-s16le']);
export type AudioCodec = z.infer<typeof audioCodecSchema>;

/** Sent before the first chunk and whenever the format changes. */
export const audioFormatMessageSchema = z.object({
  type: z.literal('audio-format'),
  codec: audioCodecSchema,
  sampleRate: z.int().min(8000).max(192_000),
  channels: z.int().min(1).max(8),
});
export type AudioFormatMessage = z.infer<typeof audioFormatMessageSchema>;

/** Only ever the header of a binary message; the audio data is its payload. */
export const audioChunkHeaderSchema = z.object({
  type: z.literal('audio-chunk'),
  seq: sequenceSchema,
  timestamp: epochMillisSchema,
  byteLength: payloadByteLengthSchema,
});
export type AudioChunkHeader = z.infer<typeof audioChunkHeaderSchema>;

/** Text messages the streamer sends on /audio (chunks come as binary messages). */
export const audioServerMessageSchema = z.discriminatedUnion('type', [
  audioFormatMessageSchema,
  wsErrorMessageSchema,
]);
export type AudioServerMessage = z.infer<typeof audioServerMessageSchema>;

export function encodeAudioChunkMessage(
  header: Omit<AudioChunkHeader, 'type' | 'byteLength'>,
  payload: Uint8Array,
): Uint8Array {
  const full: AudioChunkHeader = { ...header, type: 'audio-chunk', byteLength: payload.length };
  return encodeBinaryMessage(audioChunkHeaderSchema.parse(full), payload);
}

export function decodeAudioChunkMessage(data: Uint8Array | ArrayBuffer): MediaMessage<AudioChunkHeader> {
  return decodeMediaMessage(audioChunkHeaderSchema, data);
}
