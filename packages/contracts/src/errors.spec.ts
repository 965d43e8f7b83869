import { describe, it, expect } from 'vitest';
import { z } from 'zod';
import {
  errorCodeForStatus,
  errorCodeSchema,
  errorEnvelopeSchema,
  formatIssuePath,
  statusForErrorCode,
  zodIssuesToFields,
} from './errors';

describe('error envelope', () => {
  it('accepts a full envelope and a minimal one', () => {
    const full = {
      error: {
        status: 400,
        code: 'validation_failed',
        message: 'Request body is invalid',
        fields: [{ path: 'maxSessions', message: 'Too small' }],
        errorId: 'err_123',
        correlationId: 'c0ffee',
      },
    };
    expect(errorEnvelopeSchema.parse(full)).toEqual(full);
    expect(
      errorEnvelopeSchema.safeParse({ error: { status: 404, code: 'not_found', message: 'x' } }).success,
    ).toBe(true);
  });

  it('rejects an unknown code and a non-error status with the field path', () => {
    const bad = errorEnvelopeSchema.safeParse({ error: { status: 200, code: 'oops', message: 'x' } });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues.map((i) => i.path)).toEqual([
      ['error', 'status'],
      ['error', 'code'],
    ]);
  });
});

describe('zodIssuesToFields', () => {
  const schema = z.strictObject({
    tags: z.array(z.string()),
    gateway: z.object({ port: z.int().min(1) }),
    headers: z.record(z.string(), z.int()),
  });

  it('joins paths with brackets for indexes and dots for keys', () => {
    const result = schema.safeParse({
      tags: ['a', 'b', 3],
      gateway: { port: 0 },
      headers: { 'x-user-id': 'no' },
    });
    expect(result.success).toBe(false);
    const fields = zodIssuesToFields(result.error!);
    expect(fields.map((f) => f.path)).toEqual(['tags[2]', 'gateway.port', 'headers["x-user-id"]']);
    expect(fields.every((f) => f.message.length > 0)).toBe(true);
  });

  it('names an empty path (root) and expands unrecognized keys into one field each', () => {
    const root = z.string().safeParse(1);
    expect(zodIssuesToFields(root.error!)).toEqual([
      { path: '(root)', message: expect.any(String) as string },
    ]);

    const extra = schema.safeParse({ tags: [], gateway: { port: 1 }, headers: {}, foo: 1, bar: 2 });
    expect(zodIssuesToFields(extra.error!)).toEqual([
      { path: 'foo', message: 'Unrecognized field' },
      { path: 'bar', message: 'Unrecognized field' },
    ]);
  });

  it('formats nested unknown keys under their parent', () => {
    expect(formatIssuePath(['gateway', 'extra'])).toBe('gateway.extra');
    expect(formatIssuePath([0, 'a'])).toBe('[0].a');
    expect(formatIssuePath([])).toBe('(root)');
    expect(formatIssuePath(['X-Policy-JSON', 'clipboard', 'maxBytes'])).toBe(
      'X-Policy-JSON.clipboard.maxBytes',
    );
  });
});

describe('errorCodeForStatus', () => {
  it.each([
    [400, 'validation_failed'],
    [422, 'validation_failed'],
    [401, 'unauthorized'],
    [403, 'forbidden'],
    [404, 'not_found'],
    [409, 'conflict'],
    [413, 'payload_too_large'],
    [415, 'unsupported_media_type'],
    [429, 'rate_limited'],
    [500, 'internal'],
    [502, 'bad_gateway'],
    [504, 'bad_gateway'],
    [503, 'service_unavailable'],
    [418, 'validation_failed'],
    [599, 'internal'],
  ] as const)('maps %i to %s', (status, code) => {
    expect(errorCodeForStatus(status)).toBe(code);
  });

  it('round-trips through statusForErrorCode for every code but invalid_json, a kind of 400', () => {
    for (const code of errorCodeSchema.options) {
      const expected = code === 'invalid_json' ? 'validation_failed' : code;
      expect(errorCodeForStatus(statusForErrorCode[code])).toBe(expected);
    }
  });
});
