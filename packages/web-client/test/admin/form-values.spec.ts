import { describe, expect, it } from 'vitest';
import {
  mapFieldErrors,
  normalizeFieldPath,
  numberOrNull,
  parseTags,
  patchOf,
} from '../../src/admin/kit/form-values';

describe('mapFieldErrors', () => {
  const names = [
    'username',
    'password',
    'applicationIds',
    'rules.clipboard.maxBytes',
    'rules.watermark.enabled',
  ];

  it('puts each message at the field it names, with or without the body. prefix', () => {
    const result = mapFieldErrors(
      [
        { path: 'body.username', message: 'must be 1-128 letters' },
        { path: 'password', message: 'must be at least 12 characters long' },
      ],
      names,
    );
    expect(result.byField).toEqual({
      username: 'must be 1-128 letters',
      password: 'must be at least 12 characters long',
    });
    expect(result.other).toEqual([]);
  });

  it('gives an element of a list or a nested path to the field that owns it (the longest prefix)', () => {
    const result = mapFieldErrors(
      [
        { path: 'applicationIds[1]', message: 'Invalid UUID' },
        { path: 'body.rules.clipboard.maxBytes', message: 'Too big' },
      ],
      names,
    );
    expect(result.byField['applicationIds']).toBe('Invalid UUID');
    expect(result.byField['rules.clipboard.maxBytes']).toBe('Too big');
  });

  it('does not treat a name that is only a string prefix as the owner', () => {
    const result = mapFieldErrors([{ path: 'usernameAlias', message: 'Unrecognized field' }], names);
    expect(result.byField).toEqual({});
    expect(result.other).toEqual(['usernameAlias: Unrecognized field']);
  });

  it('keeps root and unknown messages for the top of the form and joins two messages for one field', () => {
    const result = mapFieldErrors(
      [
        { path: '(root)', message: 'must set at least one field' },
        { path: 'password', message: 'too short' },
        { path: 'password', message: 'too plain' },
      ],
      names,
    );
    expect(result.other).toEqual(['must set at least one field']);
    expect(result.byField['password']).toBe('too short; too plain');
  });

  it('places a refusal without fields whose message starts with a field name', () => {
    expect(mapFieldErrors([], ['userId', 'groupId'], 'userId: user 42 does not exist').byField).toEqual({
      userId: 'user 42 does not exist',
    });
    expect(mapFieldErrors([], ['userId'], 'Conflict: name taken').other).toEqual(['Conflict: name taken']);
  });

  it('normalizes only a leading body.', () => {
    expect(normalizeFieldPath('body.name')).toBe('name');
    expect(normalizeFieldPath('query.body.name')).toBe('query.body.name');
  });
});

describe('patchOf', () => {
  it('keeps only what changed, comparing nested objects by value', () => {
    const before = { name: 'a', description: '', rules: { audio: true, clipboard: { inbound: true } } };
    const same = patchOf({ ...before, rules: { audio: true, clipboard: { inbound: true } } }, before);
    expect(same).toEqual({});
    const changed = patchOf(
      { ...before, name: 'b', rules: { audio: true, clipboard: { inbound: false } } },
      before,
    );
    expect(changed).toEqual({ name: 'b', rules: { audio: true, clipboard: { inbound: false } } });
  });

  it('sends a field set to null but never an undefined one (an empty password)', () => {
    const patch = patchOf<{ email: string | null; password?: string }>(
      { email: null, password: undefined },
      { email: 'a@b.c', password: undefined },
    );
    expect(patch).toEqual({ email: null });
    expect('password' in patch).toBe(false);
  });
});

describe('form value conversions', () => {
  it('splits tags on commas, spaces and new lines, dropping blanks and repeats', () => {
    expect(parseTags(' gpu, region=eu\nlinux  gpu,, ')).toEqual(['gpu', 'region=eu', 'linux']);
    expect(parseTags('   ')).toEqual([]);
  });

  it('reads an empty number input as null and a typed one as a number', () => {
    expect(numberOrNull({ max: '' }, 'max')).toBeNull();
    expect(numberOrNull({ max: ' 12 ' }, 'max')).toBe(12);
    expect(numberOrNull({}, 'max')).toBeNull();
  });
});
