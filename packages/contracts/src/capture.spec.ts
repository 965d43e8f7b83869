import { describe, it, expect } from 'vitest';
import { BinaryMessageError, encodeBinaryMessage } from './binary-message';
import {
  captureClientMessageSchema,
  captureServerMessageSchema,
  chooseVideoCodec,
  decodeFrameMessage,
  encodeFrameMessage,
  frameHeaderSchema,
  parseCaptureCodecs,
} from './capture';
import { issuePaths } from './issue-paths.spec-helper';

const frame = {
  type: 'frame',
  seq: 12,
  timestamp: 1736937000123.5,
  codec: 'h264',
  keyframe: true,
  width: 1280,
  height: 720,
  byteLength: 4,
};

describe('/capture frame header', () => {
  it('accepts a frame header', () => {
    expect(frameHeaderSchema.parse(frame)).toEqual(frame);
  });

  it.each([
    ['seq', -1],
    ['codec', 'vp9'],
    ['keyframe', 1],
    ['width', 0],
    ['height', 1.5],
    ['byteLength', -3],
    ['timestamp', '1736937000123'],
  ])('rejects a bad %s (%j)', (field, value) => {
    expect(issuePaths(frameHeaderSchema, { ...frame, [field]: value })).toEqual([[field]]);
  });

  it('round-trips a frame through the binary framing', () => {
    const payload = Uint8Array.of(0, 0, 0, 1);
    const { type: _t, byteLength: _b, ...rest } = frame;
    const message = decodeFrameMessage(encodeFrameMessage({ ...rest, codec: 'h264' }, payload));
    expect(message.header).toEqual(frame);
    expect(message.payload).toEqual(payload);
  });

  it('rejects a frame whose payload is shorter than declared', () => {
    const bytes = encodeBinaryMessage({ ...frame, byteLength: 10 }, Uint8Array.of(1, 2));
    expect(() => decodeFrameMessage(bytes)).toThrow(BinaryMessageError);
  });
});

describe('/capture text messages', () => {
  it('accepts cursor, resize and error from the streamer', () => {
    expect(
      captureServerMessageSchema.parse({ type: 'cursor', x: 10, y: 20, visible: true, shape: 'text' }),
    ).toEqual({
      type: 'cursor',
      x: 10,
      y: 20,
      visible: true,
      shape: 'text',
    });
    expect(captureServerMessageSchema.parse({ type: 'resize', width: 1920, height: 1080 }).type).toBe(
      'resize',
    );
    expect(
      captureServerMessageSchema.parse({ type: 'error', code: 'host-lost', message: 'Streamer exited' }).type,
    ).toBe('error');
  });

  it('rejects an unknown type and a bad cursor field', () => {
    expect(issuePaths(captureServerMessageSchema, { type: 'bogus' })).toEqual([['type']]);
    expect(issuePaths(captureServerMessageSchema, { type: 'cursor', x: -1, y: 0, visible: true })).toEqual([
      ['x'],
    ]);
    expect(issuePaths(captureServerMessageSchema, { type: 'error', code: 'oops', message: '' })).toEqual([
      ['code'],
    ]);
  });

  it('accepts a frame acknowledgement with a sequence number, and nothing else in it', () => {
    expect(captureClientMessageSchema.parse({ type: 'frame-ack', seq: 42 })).toEqual({
      type: 'frame-ack',
      seq: 42,
    });
    expect(captureClientMessageSchema.safeParse({ type: 'frame-ack', seq: -1 }).success).toBe(false);
    expect(captureClientMessageSchema.safeParse({ type: 'frame-ack', seq: 1, extra: 1 }).success).toBe(false);
  });

  it('accepts keyframe-request and resize-request from the client within bounds', () => {
    expect(captureClientMessageSchema.parse({ type: 'keyframe-request' })).toEqual({
      type: 'keyframe-request',
    });
    expect(
      captureClientMessageSchema.safeParse({ type: 'resize-request', width: 320, height: 200 }).success,
    ).toBe(true);
    expect(
      captureClientMessageSchema.safeParse({ type: 'resize-request', width: 7680, height: 4320 }).success,
    ).toBe(true);
  });

  it('rejects an out-of-bounds resize-request, naming the dimension', () => {
    expect(
      issuePaths(captureClientMessageSchema, { type: 'resize-request', width: 319, height: 600 }),
    ).toEqual([['width']]);
    expect(
      issuePaths(captureClientMessageSchema, { type: 'resize-request', width: 800, height: 4321 }),
    ).toEqual([['height']]);
  });

  it('does not let a client send server messages', () => {
    expect(issuePaths(captureClientMessageSchema, { type: 'resize', width: 800, height: 600 })).toEqual([
      ['type'],
    ]);
  });
});

describe('the codec a viewer gets', () => {
  it("reads the client's list best first, skipping unknown names and repeats, JPEG when it names nothing", () => {
    expect(parseCaptureCodecs('h264,jpeg')).toEqual(['h264', 'jpeg']);
    expect(parseCaptureCodecs(' av1 , h264,h264')).toEqual(['h264']);
    expect(parseCaptureCodecs('')).toEqual(['jpeg']);
    expect(parseCaptureCodecs(null)).toEqual(['jpeg']);
    expect(parseCaptureCodecs('webp')).toEqual(['jpeg']);
  });

  it('picks the first the workspace allows, and JPEG when they share none', () => {
    expect(chooseVideoCodec(['h264', 'jpeg'], ['h264', 'jpeg'])).toBe('h264');
    expect(chooseVideoCodec(['h264', 'jpeg'], ['jpeg'])).toBe('jpeg');
    expect(chooseVideoCodec(['jpeg'], ['h264', 'jpeg'])).toBe('jpeg');
    expect(chooseVideoCodec(['h264'], ['jpeg'])).toBe('jpeg');
  });
});
