import { z } from 'zod';
import { parseCodecList } from './codec-list';
import { decodeMediaMessage, encodeBinaryMessage, type MediaMessage } from './binary-message';
import { epochMillisSchema, payloadByteLengthSchema, sequenceSchema } from './media-bounds';
import { wsErrorMessageSchema } from './ws-error';

export const audioCodecSchema = z.enum(['opus', 'pcm-s16le']);
export type AudioCodec = z.infer<typeof audioCodecSchema>;

/** The client states what it decodes when it opens /audio, best first: `?codecs=opus,pcm-s16le`. */
export const AUDIO_CODECS_QUERY_PARAM = 'codecs';

/** What a client named, known codecs only; PCM (which every WebAudio plays) when it named none. */
export function parseAudioCodecs(value: string | null | undefined): AudioCodec[] {
  return parseCodecList(audioCodecSchema, value, 'pcm-s16le');
}

/** The first codec the client decodes that the source sends; the source's last resort when they share none. */
export function chooseAudioCodec(
  clientCodecs: readonly AudioCodec[],
  offered: readonly AudioCodec[],
): AudioCodec {
  return clientCodecs.find((codec) => offered.includes(codec)) ?? offered.at(-1) ?? 'pcm-s16le';
}

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
