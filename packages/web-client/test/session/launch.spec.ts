import { sessionIdSchema } from '@webstream/contracts';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../../src/api/http';
import { isSessionId, newSessionId, selectErrorMessage } from '../../src/session/launch';
import { addNotice, noticeText, statusText } from '../../src/session/notices';

describe('newSessionId', () => {
  it('makes ids the gateway accepts, different each time', () => {
    const a = newSessionId();
    const b = newSessionId();
    expect(sessionIdSchema.safeParse(a).success).toBe(true);
    expect(isSessionId(a)).toBe(true);
    expect(a).not.toBe(b);
  });

  it('uses URL-safe characters only, even for bytes that base64 spells + and /', () => {
    const id = newSessionId((bytes) => bytes.fill(0xff));
    expect(id).toMatch(/^[A-Za-z0-9_-]{8,128}$/);
    expect(id).toContain('_');
  });
});

describe('selectErrorMessage', () => {
  it('says which limit a 409 hit', () => {
    expect(selectErrorMessage(new ApiError(409, 'user-limit: you already run 3 sessions'))).toMatch(
      /End one/,
    );
    expect(selectErrorMessage(new ApiError(409, 'workspace-full: workspace W runs 5'))).toMatch(/workspace/);
  });

  it('carries Retry-After of a 503 and a 429', () => {
    expect(selectErrorMessage(new ApiError(503, 'no session host', [], 30))).toBe(
      'No session host has room right now. Try again in 30 seconds.',
    );
    expect(selectErrorMessage(new ApiError(429, 'slow down', [], 1))).toContain('1 second.');
  });

  it('blames the network for anything that is not an API answer', () => {
    expect(selectErrorMessage(new TypeError('Failed to fetch'))).toMatch(/could not be reached/);
  });
});

describe('notices and the status line', () => {
  it('counts a session-ending notice down', () => {
    const [notice] = addNotice(
      [],
      { id: 1, kind: 'session-ending', message: 'Ends soon', secondsLeft: 65 },
      0,
    );
    expect(noticeText(notice!, 0)).toBe('Ends soon (1:05 left)');
    expect(noticeText(notice!, 60_500)).toBe('Ends soon (0:05 left)');
  });

  it('keeps one idle warning, the newest', () => {
    const first = addNotice([], { id: 1, kind: 'idle-warning', message: 'a', secondsLeft: 60 }, 0);
    const second = addNotice(first, { id: 2, kind: 'idle-warning', message: 'b', secondsLeft: 30 }, 1000);
    expect(second.map((notice) => notice.id)).toEqual([2]);
  });

  it('formats fps and round trip as "23 fps · 12 ms"', () => {
    expect(statusText({ fps: 23, rttMs: 12.4, frameAgeMs: undefined, state: 'Connected' })).toBe(
      '23 fps · 12 ms · Connected',
    );
    expect(statusText({ fps: 0, rttMs: undefined, frameAgeMs: 40, state: 'Connecting…' })).toBe(
      '0 fps · – ms · frame age 40 ms · Connecting…',
    );
    expect(
      statusText({
        fps: 30,
        rttMs: 3,
        frameAgeMs: 21,
        codec: 'h264',
        kbps: 1840,
        decodeMs: 1.26,
        state: 'Connected',
      }),
    ).toBe('H264 · 30 fps · 1.8 Mbit/s · decode 1.3 ms · 3 ms · frame age 21 ms · Connected');
  });
});
