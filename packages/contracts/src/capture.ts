import { z } from 'zod';
import { decodeMediaMessage, encodeBinaryMessage, type MediaMessage } from './binary-message';
import {
  epochMillisSchema,
  payloadByteLengthSchema,
  screenCoordinateSchema,
  screenDimensionSchema,
  sequenceSchema,
} from './media-bounds';
import { parseCodecList } from './codec-list';
import { wsErrorMessageSchema } from './ws-error';

export const frameCodecSchema = z.enum(['h264', 'jpeg', 'webp']);
export type FrameCodec = z.infer<typeof frameCodecSchema>;

/** The codecs a streamer encodes: H.264 for WebCodecs, JPEG for every browser. */
export const videoCodecSchema = z.enum(['h264', 'jpeg']);
export type VideoCodec = z.infer<typeof videoCodecSchema>;

/**
 * The client states what it can decode when it opens /capture, best first: `?codecs=h264,jpeg`. JPEG is what
 * every browser draws, so a client that names nothing (or nothing known) gets JPEG.
 */
export const CAPTURE_CODECS_QUERY_PARAM = 'codecs';

export function parseCaptureCodecs(value: string | null | undefined): VideoCodec[] {
  return parseCodecList(videoCodecSchema, value, 'jpeg');
}

/** The first codec the client can decode that the workspace allows; JPEG when they share none. */
export function chooseVideoCodec(
  clientCodecs: readonly VideoCodec[],
  allowed: readonly VideoCodec[],
): VideoCodec {
  return clientCodecs.find((codec) => allowed.includes(codec)) ?? 'jpeg';
}

/** Only ever the header of a binary message; the encoded frame is its payload. */
export const frameHeaderSchema = z.object({
  type: z.literal('frame'),
  seq: sequenceSchema,
  timestamp: epochMillisSchema,
  codec: frameCodecSchema,
  keyframe: z.boolean(),
  width: screenDimensionSchema,
  height: screenDimensionSchema,
  byteLength: payloadByteLengthSchema,
});
export type FrameHeader = z.infer<typeof frameHeaderSchema>;

export const cursorMessageSchema = z.object({
  type: z.literal('cursor'),
  x: screenCoordinateSchema,
  y: screenCoordinateSchema,
  visible: z.boolean(),
  /** A CSS cursor keyword, e.g. 'default', 'text', 'pointer'. */
  shape: z.string().min(1).max(64).optional(),
});
export type CursorMessage = z.infer<typeof cursorMessageSchema>;

/** The remote display changed size. */
export const resizeMessageSchema = z.object({
  type: z.literal('resize'),
  width: screenDimensionSchema,
  height: screenDimensionSchema,
});
export type ResizeMessage = z.infer<typeof resizeMessageSchema>;

/** Text messages the streamer sends on /capture (frames come as binary messages). */
export const captureServerMessageSchema = z.discriminatedUnion('type', [
  cursorMessageSchema,
  resizeMessageSchema,
  wsErrorMessageSchema,
]);
export type CaptureServerMessage = z.infer<typeof captureServerMessageSchema>;

export const keyframeRequestMessageSchema = z.strictObject({ type: z.literal('keyframe-request') });
export type KeyframeRequestMessage = z.infer<typeof keyframeRequestMessageSchema>;

export const RESIZE_REQUEST_LIMITS = {
  minWidth: 320,
  maxWidth: 7680,
  minHeight: 200,
  maxHeight: 4320,
} as const;

export const resizeRequestMessageSchema = z.strictObject({
  type: z.literal('resize-request'),
  width: z.int().min(RESIZE_REQUEST_LIMITS.minWidth).max(RESIZE_REQUEST_LIMITS.maxWidth),
  height: z.int().min(RESIZE_REQUEST_LIMITS.minHeight).max(RESIZE_REQUEST_LIMITS.maxHeight),
});
export type ResizeRequestMessage = z.infer<typeof resizeRequestMessageSchema>;

/**
 * The newest frame the client has drawn, sent a few times a second: the time from sending a frame to its
 * acknowledgement says whether the network and the client's decoder keep up, before a socket fills.
 */
export const frameAckMessageSchema = z.strictObject({ type: z.literal('frame-ack'), seq: sequenceSchema });
export type FrameAckMessage = z.infer<typeof frameAckMessageSchema>;

export const captureClientMessageSchema = z.discriminatedUnion('type', [
  keyframeRequestMessageSchema,
  resizeRequestMessageSchema,
  frameAckMessageSchema,
]);
export type CaptureClientMessage = z.infer<typeof captureClientMessageSchema>;

/** Fills in `type` and `byteLength` so the header cannot disagree with the payload. */
export function encodeFrameMessage(
  header: Omit<FrameHeader, 'type' | 'byteLength'>,
  payload: Uint8Array,
): Uint8Array {
  const full: FrameHeader = { ...header, type: 'frame', byteLength: payload.length };
  return encodeBinaryMessage(frameHeaderSchema.parse(full), payload);
}

export function decodeFrameMessage(data: Uint8Array | ArrayBuffer): MediaMessage<FrameHeader> {
  return decodeMediaMessage(frameHeaderSchema, data);
}
