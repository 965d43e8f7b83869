import { describe, it, expect } from 'vitest';
import {
  AUDIO_PATH,
  CAPTURE_PATH,
  CONTROL_PATH,
  WS_TICKET_QUERY_PARAM,
  getConnectionResponseSchema,
  getConnectionRoute,
  streamerConnectionSchema,
} from './connection';
import { issuePaths } from './issue-paths.spec-helper';

const streamer = {
  sessionId: 'sess_0123456789',
  streamerGuid: '3f2b8c1e-6a4d-4e2f-9b7a-1c0d5e6f7a8b',
  host: '10.0.1.15',
  port: 9011,
  streamerSecret: 'a'.repeat(43),
  paths: { capture: '/capture', control: '/control', audio: '/audio' },
};

const example = {
  sessionId: streamer.sessionId,
  streamerGuid: streamer.streamerGuid,
  paths: streamer.paths,
  tickets: {
    capture: 'tkt_9f8e7d6c5b4a39281706',
    control: 'tkt_0f8e7d6c5b4a39281707',
    audio: 'tkt_1f8e7d6c5b4a39281708',
  },
  ticketExpiresAt: '2025-01-15T10:31:00.000Z',
};

describe('GET /getConnection', () => {
  it('has the seed route and WebSocket paths', () => {
    expect(getConnectionRoute).toMatchObject({ method: 'GET', path: '/getConnection' });
    expect([CAPTURE_PATH, CONTROL_PATH, AUDIO_PATH]).toEqual(['/capture', '/control', '/audio']);
    expect(WS_TICKET_QUERY_PARAM).toBe('ticket');
  });

  it("accepts the session host's streamer details and the gateway's answer with one ticket per socket", () => {
    expect(streamerConnectionSchema.parse(streamer)).toEqual(streamer);
    expect(getConnectionResponseSchema.parse(example)).toEqual(example);
  });

  it.each([
    ['port', 0],
    ['port', 65536],
    ['streamerGuid', 'abc'],
    ['host', ''],
  ])('rejects a bad streamer %s (%j)', (field, value) => {
    expect(issuePaths(streamerConnectionSchema, { ...streamer, [field]: value })).toEqual([[field]]);
  });

  it.each([
    ['streamerGuid', 'abc'],
    ['ticketExpiresAt', 'soon'],
  ])('rejects a bad %s (%j)', (field, value) => {
    expect(issuePaths(getConnectionResponseSchema, { ...example, [field]: value })).toEqual([[field]]);
  });

  it('rejects a missing or short ticket, naming the socket', () => {
    expect(
      issuePaths(getConnectionResponseSchema, {
        ...example,
        tickets: { ...example.tickets, audio: 'short' },
      }),
    ).toEqual([['tickets', 'audio']]);
  });

  it('rejects a changed WebSocket path with its nested field path', () => {
    expect(
      issuePaths(getConnectionResponseSchema, { ...example, paths: { ...example.paths, audio: '/sound' } }),
    ).toEqual([['paths', 'audio']]);
  });
});
