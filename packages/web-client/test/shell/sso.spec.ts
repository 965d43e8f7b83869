import { returnToSchema } from '@webstream/contracts';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../../src/api/http';
import {
  exchangeErrorText,
  organizationSlug,
  parseLandingFragment,
  readLanding,
  returnToOf,
  safeReturnTo,
  ssoErrorText,
  ssoStartUrl,
} from '../../src/shell/sso';

const CODE = 'c0de-c0de-c0de-c0de-c0de';
const PROVIDER = '0b9d7f4e-6f5c-4b6a-9a51-3c1e2d3f4a5b';

describe('the landing fragment', () => {
  it('gives the one-time code and where to go after', () => {
    expect(parseLandingFragment(`#code=${CODE}&returnTo=%2Fadmin%2Fusers%3Fq%3Dada`)).toEqual({
      kind: 'code',
      code: CODE,
      returnTo: '/admin/users?q=ada',
    });
    expect(parseLandingFragment(`#code=${CODE}`)).toEqual({ kind: 'code', code: CODE, returnTo: '/' });
  });

  it('gives the error and its description', () => {
    expect(parseLandingFragment('#error=access_denied&error_description=User+cancelled')).toEqual({
      kind: 'error',
      error: 'access_denied',
      description: 'User cancelled',
    });
    expect(parseLandingFragment('#error=expired')).toEqual({
      kind: 'error',
      error: 'expired',
      description: undefined,
    });
  });

  it('is nothing without a code or an error, and nothing on another page than /sign-in', () => {
    expect(parseLandingFragment('')).toBeUndefined();
    expect(parseLandingFragment('#section-2')).toBeUndefined();
    expect(parseLandingFragment('#code=')).toBeUndefined();
    expect(readLanding({ pathname: '/sign-in', hash: `#code=${CODE}` })).toMatchObject({ kind: 'code' });
    expect(readLanding({ pathname: '/admin', hash: `#code=${CODE}` })).toBeUndefined();
    expect(readLanding({ pathname: '/sign-in', hash: '' })).toBeUndefined();
  });
});

describe('returnTo', () => {
  it('keeps a path of this site', () => {
    for (const path of ['/', '/admin/users', '/session/s-1?x=1', '/a/b#c'])
      expect(safeReturnTo(path)).toBe(path);
  });

  it('turns anything that could leave the site into /', () => {
    for (const path of [
      '//evil.example',
      '//evil.example/sign-in',
      'https://evil.example',
      'javascript:alert(1)',
      '/\\evil',
      '/\\/evil.example',
      'evil',
      '/ spaced',
      '/tab\tpath',
      '',
      null,
      undefined,
    ])
      expect(safeReturnTo(path), String(path)).toBe('/');
  });

  it('is so in the fragment too', () => {
    for (const returnTo of ['//evil.example', 'https://evil.example', '/\\evil'])
      expect(parseLandingFragment(`#code=${CODE}&returnTo=${encodeURIComponent(returnTo)}`)).toMatchObject({
        returnTo: '/',
      });
  });

  it('is the page the sign-in page stands in for, without ?org=, and / from /sign-in itself', () => {
    expect(returnToOf({ pathname: '/admin/users', search: '' })).toBe('/admin/users');
    expect(returnToOf({ pathname: '/', search: '?org=acme' })).toBe('/');
    expect(returnToOf({ pathname: '/admin/audit', search: '?org=acme&from=2024-01-01' })).toBe(
      '/admin/audit?from=2024-01-01',
    );
    expect(returnToOf({ pathname: '/sign-in', search: '?returnTo=/admin' })).toBe('/');
  });

  it('goes to the start URL as a returnTo the contract accepts', () => {
    const url = new URL(ssoStartUrl(PROVIDER, '/admin/users?q=a b'), 'https://webstream.example');
    expect(url.pathname).toBe(`/iam/auth/sso/${PROVIDER}/start`);
    expect(url.searchParams.get('returnTo')).toBe('/');
    const kept = new URL(ssoStartUrl(PROVIDER, '/admin/users?q=ada'), 'https://webstream.example');
    expect(kept.searchParams.get('returnTo')).toBe('/admin/users?q=ada');
    expect(returnToSchema.safeParse(kept.searchParams.get('returnTo')).success).toBe(true);
  });
});

describe('the error words', () => {
  it('say the common OAuth codes and WebStream’s own in words', () => {
    expect(ssoErrorText('access_denied', 'whatever the provider said')).toBe(
      'The identity provider refused the sign-in.',
    );
    for (const code of [
      'login_required',
      'invalid_request',
      'server_error',
      'temporarily_unavailable',
      'sso_failed',
      'not_provisioned',
      'account_disabled',
      'expired',
      'sso_rejected',
    ]) {
      const words = ssoErrorText(code, 'described');
      expect(words, code).not.toContain(code);
      expect(words, code).not.toBe('described');
    }
    expect(ssoErrorText('expired')).toMatch(/took too long.*start again/);
    expect(ssoErrorText('not_provisioned')).toMatch(/no WebStream account/);
  });

  it('give the description of an unknown code, or the code itself without one', () => {
    expect(ssoErrorText('interaction_required', 'The provider wants you to consent.')).toBe(
      'The provider wants you to consent.',
    );
    expect(ssoErrorText('odd_code')).toBe('The sign-in failed (odd_code).');
  });

  it('say a refused code was already used or has expired', () => {
    expect(exchangeErrorText(new ApiError(401, 'Unauthorized'))).toMatch(/already used or has expired/);
    expect(exchangeErrorText(new ApiError(400, 'body.code: too short'))).toMatch(/not valid/);
    expect(exchangeErrorText(new ApiError(503, 'IAM is unavailable'))).toBe('IAM is unavailable');
    expect(exchangeErrorText(new TypeError('fetch failed'))).toMatch(/cannot be reached/);
  });
});

describe('organizationSlug', () => {
  it('takes a slug as typed (trimmed, any case) and nothing that cannot be one', () => {
    expect(organizationSlug(' Acme ')).toBe('acme');
    expect(organizationSlug('acme-eu')).toBe('acme-eu');
    expect(organizationSlug('acme corp')).toBeUndefined();
    expect(organizationSlug('-acme')).toBeUndefined();
    expect(organizationSlug('')).toBeUndefined();
  });
});
