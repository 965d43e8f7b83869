import { describe, it, expect } from 'vitest';
import { heartbeatRequestSchema, heartbeatResponseSchema, heartbeatRoute } from './heartbeat';
import { issuePaths } from './issue-paths.spec-helper';

const example = {
  serverUrl: 'http://10.0.1.15:9005',
  status: 'healthy',
  activeSessions: 3,
  maxSessions: 20,
  instanceType: 'm5.xlarge',
  tags: ['eu-west'],
  cpuUsage: 41.5,
  memoryUsage: 63.2,
  timestamp: '2025-01-15T10:30:00.000Z',
};

describe('POST /gateway/heartbeat', () => {
  it('has the seed route', () => {
    expect(heartbeatRoute).toMatchObject({ method: 'POST', path: '/gateway/heartbeat' });
  });

  it('accepts the seed payload', () => {
    expect(heartbeatRequestSchema.parse(example)).toEqual(example);
  });

  it('accepts a draining host that is over its maxSessions', () => {
    expect(
      heartbeatRequestSchema.safeParse({ ...example, status: 'draining', activeSessions: 25 }).success,
    ).toBe(true);
  });

  it.each([
    ['status', 'sleeping'],
    ['activeSessions', -1],
    ['maxSessions', 0],
    ['cpuUsage', 100.1],
    ['memoryUsage', -0.5],
    ['timestamp', '2025-01-15'],
    ['timestamp', 1736937000000],
  ])('rejects a bad %s (%j)', (field, value) => {
    expect(issuePaths(heartbeatRequestSchema, { ...example, [field]: value })).toEqual([[field]]);
  });

  it('accepts a timestamp with an offset', () => {
    expect(
      heartbeatRequestSchema.safeParse({ ...example, timestamp: '2025-01-15T12:30:00+02:00' }).success,
    ).toBe(true);
  });

  it('parses the acknowledgement', () => {
    expect(heartbeatResponseSchema.parse({ acknowledged: true })).toEqual({ acknowledged: true });
    expect(issuePaths(heartbeatResponseSchema, { acknowledged: 'yes' })).toEqual([['acknowledged']]);
  });
});
