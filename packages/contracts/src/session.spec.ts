import { describe, it, expect } from 'vitest';
import {
  SESSION_ID_HEADER,
  sessionIdSchema,
  sessionReleaseRequestSchema,
  sessionReleaseResponseSchema,
  sessionReleaseRoute,
  sessionSelectRequestSchema,
  sessionSelectResponseSchema,
  sessionSelectRoute,
  sessionStateSchema,
  sessionStatusResponseSchema,
  sessionStatusRoute,
} from './session';
import { issuePaths } from './issue-paths.spec-helper';

const select = {
  workspaceId: 'ws_finance',
  workspaceType: 'app',
  appId: 'app_excel',
  appExe: '/opt/apps/calc/bin/calc',
  appArgs: '',
};

describe('session routes and ids', () => {
  it('has the seed routes', () => {
    expect(sessionSelectRoute).toMatchObject({ method: 'POST', path: '/gateway/session/select' });
    expect(sessionReleaseRoute).toMatchObject({ method: 'POST', path: '/gateway/session/release' });
    expect(sessionStatusRoute).toMatchObject({ method: 'GET', path: '/gateway/session/status' });
    expect(SESSION_ID_HEADER).toBe('x-session-id');
  });

  it('accepts 8-128 chars of [A-Za-z0-9_-] only', () => {
    expect(sessionIdSchema.safeParse('abcd_123-XYZ').success).toBe(true);
    expect(sessionIdSchema.safeParse('a'.repeat(128)).success).toBe(true);
    expect(sessionIdSchema.safeParse('short').success).toBe(false);
    expect(sessionIdSchema.safeParse('a'.repeat(129)).success).toBe(false);
    expect(sessionIdSchema.safeParse('has space 1234').success).toBe(false);
    expect(sessionIdSchema.safeParse('../../etc/passwd').success).toBe(false);
  });

  it('lists the session states', () => {
    expect(sessionStateSchema.options).toEqual(['none', 'reserved', 'connecting', 'active', 'ended']);
  });
});

describe('POST /gateway/session/select', () => {
  it('accepts the seed body, with empty or non-ASCII appArgs', () => {
    expect(sessionSelectRequestSchema.parse(select)).toEqual(select);
    expect(
      sessionSelectRequestSchema.safeParse({ ...select, appArgs: '--file "Zoë — 東京.txt"' }).success,
    ).toBe(true);
    expect(sessionSelectRequestSchema.safeParse({ ...select, workspaceType: 'desktop' }).success).toBe(true);
  });

  it.each([
    ['workspaceType', 'vm'],
    ['workspaceId', ''],
    ['appExe', ''],
    ['appArgs', undefined],
    ['appId', 42],
  ])('rejects a bad %s (%j)', (field, value) => {
    expect(issuePaths(sessionSelectRequestSchema, { ...select, [field]: value })).toEqual([[field]]);
  });

  it('parses the response and rejects a non-ISO affinityExpiresAt', () => {
    const response = {
      sessionId: 'sess_0123456789',
      state: 'reserved',
      workspaceId: 'ws_finance',
      appId: 'app_excel',
      affinityExpiresAt: '2025-01-15T11:30:00.000Z',
    };
    expect(sessionSelectResponseSchema.parse(response)).toEqual(response);
    expect(issuePaths(sessionSelectResponseSchema, { ...response, affinityExpiresAt: 'tomorrow' })).toEqual([
      ['affinityExpiresAt'],
    ]);
  });
});

describe('POST /gateway/session/release', () => {
  it('accepts an empty body (header fallback) or a sessionId', () => {
    expect(sessionReleaseRequestSchema.parse({})).toEqual({});
    expect(sessionReleaseRequestSchema.parse({ sessionId: 'sess_0123456789' })).toEqual({
      sessionId: 'sess_0123456789',
    });
    expect(issuePaths(sessionReleaseRequestSchema, { sessionId: 'bad id' })).toEqual([['sessionId']]);
  });

  it('parses the response', () => {
    const response = { success: true, sessionId: 'sess_0123456789' };
    expect(sessionReleaseResponseSchema.parse(response)).toEqual(response);
    expect(issuePaths(sessionReleaseResponseSchema, { success: true })).toEqual([['sessionId']]);
  });
});

describe('GET /gateway/session/status', () => {
  it('accepts a state of none with only the required fields', () => {
    const none = { sessionId: 'sess_0123456789', state: 'none', backendReachable: false };
    expect(sessionStatusResponseSchema.parse(none)).toEqual(none);
  });

  it('accepts an ended session with its reason', () => {
    const ended = {
      sessionId: 'sess_0123456789',
      state: 'ended',
      workspaceId: 'ws_finance',
      appId: 'app_excel',
      backendReachable: true,
      streamerGuid: '3f2b8c1e-6a4d-4e2f-9b7a-1c0d5e6f7a8b',
      endedReason: 'idle-timeout',
    };
    expect(sessionStatusResponseSchema.parse(ended)).toEqual(ended);
  });

  it.each([
    ['state', 'paused'],
    ['backendReachable', 'yes'],
    ['streamerGuid', 'not-a-guid'],
    ['endedReason', 'because'],
  ])('rejects a bad %s (%j)', (field, value) => {
    const base = { sessionId: 'sess_0123456789', state: 'active', backendReachable: true };
    expect(issuePaths(sessionStatusResponseSchema, { ...base, [field]: value })).toEqual([[field]]);
  });
});
