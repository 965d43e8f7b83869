import { z } from 'zod';
import { screenCoordinateSchema } from './media-bounds';
import { wsErrorMessageSchema } from './ws-error';

// Client → streamer input. Coordinates are remote-display pixels: the browser scales before sending.

export const keyModifiersSchema = z.strictObject({
  shift: z.boolean(),
  ctrl: z.boolean(),
  alt: z.boolean(),
  meta: z.boolean(),
});
export type KeyModifiers = z.infer<typeof keyModifiersSchema>;

export const keyMessageSchema = z.strictObject({
  type: z.literal('key'),
  action: z.enum(['down', 'up']),
  /** KeyboardEvent.code: the physical key, independent of layout. */
  code: z.string().min(1).max(64),
  /** KeyboardEvent.key: the character or named key produced. */
  key: z.string().max(64),
  modifiers: keyModifiersSchema,
});
export type KeyMessage = z.infer<typeof keyMessageSchema>;

export const pointerMessageSchema = z.strictObject({
  type: z.literal('pointer'),
  action: z.enum(['move', 'down', 'up']),
  x: screenCoordinateSchema,
  y: screenCoordinateSchema,
  /** PointerEvent.button: 0 main, 1 middle, 2 secondary, 3 back, 4 forward. */
  button: z.int().min(0).max(4),
  /** PointerEvent.buttons bitmask of the buttons held. */
  buttons: z.int().min(0).max(255),
});
export type PointerMessage = z.infer<typeof pointerMessageSchema>;

const MAX_WHEEL_DELTA = 100_000;
const wheelDeltaSchema = z.number().min(-MAX_WHEEL_DELTA).max(MAX_WHEEL_DELTA);

export const wheelMessageSchema = z.strictObject({
  type: z.literal('wheel'),
  x: screenCoordinateSchema,
  y: screenCoordinateSchema,
  deltaX: wheelDeltaSchema,
  deltaY: wheelDeltaSchema,
  /** WheelEvent.deltaMode: 0 pixels, 1 lines, 2 pages. */
  deltaMode: z.literal([0, 1, 2]),
});
export type WheelMessage = z.infer<typeof wheelMessageSchema>;

export const touchPointSchema = z.strictObject({
  /** Touch.identifier, stable for one finger from start to end. */
  id: z.int().min(0),
  x: screenCoordinateSchema,
  y: screenCoordinateSchema,
});
export type TouchPoint = z.infer<typeof touchPointSchema>;

export const touchMessageSchema = z.strictObject({
  type: z.literal('touch'),
  action: z.enum(['start', 'move', 'end', 'cancel']),
  /** TouchEvent.changedTouches. */
  touches: z.array(touchPointSchema).max(20),
});
export type TouchMessage = z.infer<typeof touchMessageSchema>;

/** Both directions; the workspace policy decides whether, which way and how much is accepted. */
export const clipboardMessageSchema = z.strictObject({
  type: z.literal('clipboard'),
  mimeType: z.literal('text/plain'),
  data: z.string().max(16 * 1024 * 1024),
});
export type ClipboardMessage = z.infer<typeof clipboardMessageSchema>;

export const pingMessageSchema = z.strictObject({
  type: z.literal('ping'),
  /** Sender's clock, echoed back in pong to measure round-trip time. */
  t: z.number().min(0),
});
export type PingMessage = z.infer<typeof pingMessageSchema>;

export const controlClientMessageSchema = z.discriminatedUnion('type', [
  keyMessageSchema,
  pointerMessageSchema,
  wheelMessageSchema,
  touchMessageSchema,
  clipboardMessageSchema,
  pingMessageSchema,
]);
export type ControlClientMessage = z.infer<typeof controlClientMessageSchema>;

export const pongMessageSchema = z.object({
  type: z.literal('pong'),
  t: z.number().min(0),
});
export type PongMessage = z.infer<typeof pongMessageSchema>;

export const noticeKindSchema = z.enum(['idle-warning', 'session-ending', 'view-only', 'policy-refusal']);
export type NoticeKind = z.infer<typeof noticeKindSchema>;

export const noticeMessageSchema = z.object({
  type: z.literal('notice'),
  kind: noticeKindSchema,
  message: z.string().max(1024),
  secondsLeft: z.int().min(0).optional(),
});
export type NoticeMessage = z.infer<typeof noticeMessageSchema>;

export const controlServerMessageSchema = z.discriminatedUnion('type', [
  clipboardMessageSchema,
  pongMessageSchema,
  noticeMessageSchema,
  wsErrorMessageSchema,
]);
export type ControlServerMessage = z.infer<typeof controlServerMessageSchema>;
