import { describe, it, expect } from 'vitest';
import { unregisterRequestSchema, unregisterResponseSchema, unregisterRoute } from './unregister';

describe('POST /gateway/unregister', () => {
  it('has the seed route and accepts { serverUrl }', () => {
    expect(unregisterRoute).toMatchObject({ method: 'POST', path: '/gateway/unregister' });
    expect(unregisterRequestSchema.parse({ serverUrl: 'http://host-a:9005' })).toEqual({
      serverUrl: 'http://host-a:9005',
    });
  });

  it('rejects a missing or non-http serverUrl', () => {
    expect(unregisterRequestSchema.safeParse({}).error?.issues[0]?.path).toEqual(['serverUrl']);
    expect(unregisterRequestSchema.safeParse({ serverUrl: 'ws://host-a' }).error?.issues[0]?.path).toEqual([
      'serverUrl',
    ]);
  });

  it('parses { success }', () => {
    expect(unregisterResponseSchema.parse({ success: false })).toEqual({ success: false });
    expect(unregisterResponseSchema.safeParse({ success: 1 }).error?.issues[0]?.path).toEqual(['success']);
  });
});
