import { describe, it, expect } from 'vitest';
import { registerRequestSchema, registerResponseSchema, registerRoute } from './register';
import { issuePaths } from './issue-paths.spec-helper';

const example = {
  serverUrl: 'http://10.0.1.15:9005',
  maxSessions: 20,
  instanceType: 'm5.xlarge',
  ec2InstanceId: 'i-0abcd1234ef567890',
  tags: ['eu-west', 'gpu'],
  capabilities: ['capture', 'audio'],
  version: '1.4.0',
};

describe('POST /gateway/register', () => {
  it('has the seed route', () => {
    expect(registerRoute).toMatchObject({ method: 'POST', path: '/gateway/register' });
  });

  it('accepts the seed payload, and ec2InstanceId null off EC2', () => {
    expect(registerRequestSchema.parse(example)).toEqual(example);
    expect(registerRequestSchema.safeParse({ ...example, ec2InstanceId: null }).success).toBe(true);
  });

  it('requires ec2InstanceId to be present (null, not omitted)', () => {
    const { ec2InstanceId: _omit, ...withoutId } = example;
    expect(issuePaths(registerRequestSchema, withoutId)).toEqual([['ec2InstanceId']]);
  });

  it.each([
    ['maxSessions', 0],
    ['maxSessions', 2.5],
    ['serverUrl', 'ftp://host:21'],
    ['serverUrl', 'not a url'],
    ['tags', 'gpu'],
    ['capabilities', null],
    ['version', ''],
  ])('rejects a bad %s (%j)', (field, value) => {
    expect(issuePaths(registerRequestSchema, { ...example, [field]: value })).toEqual([[field]]);
  });

  it('names the index of a bad tag', () => {
    expect(issuePaths(registerRequestSchema, { ...example, tags: ['ok', ''] })).toEqual([['tags', 1]]);
  });

  it('rejects unknown fields', () => {
    const result = registerRequestSchema.safeParse({ ...example, maxSession: 3 });
    expect(result.error?.issues[0]).toMatchObject({ code: 'unrecognized_keys', keys: ['maxSession'] });
  });

  it('parses the response and rejects registered: false', () => {
    const response = { registered: true, serverUrl: example.serverUrl, heartbeatInterval: 10 };
    expect(registerResponseSchema.parse(response)).toEqual(response);
    expect(issuePaths(registerResponseSchema, { ...response, registered: false })).toEqual([['registered']]);
    expect(issuePaths(registerResponseSchema, { ...response, heartbeatInterval: 0 })).toEqual([
      ['heartbeatInterval'],
    ]);
  });
});
