import { renderToStaticMarkup } from 'react-dom/server';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LoginPage } from '../../src/shell/LoginPage';
import { SsoChoices } from '../../src/shell/SsoChoices';
import { rememberedOrganization, rememberOrganization } from '../../src/shell/sso-organization';
import { MemoryStorage } from './stand-ins';

const ENTRA = '0b9d7f4e-6f5c-4b6a-9a51-3c1e2d3f4a5b';
const ADFS = '1c8e6a3d-5e4b-4a59-8b40-2b0d1c2e3f4a';

beforeEach(() => {
  vi.stubGlobal('localStorage', new MemoryStorage());
  vi.stubGlobal('sessionStorage', new MemoryStorage());
  vi.stubGlobal('window', { location: { pathname: '/admin/users', search: '?org=acme' } });
});
afterEach(() => {
  vi.unstubAllGlobals();
});

describe('the sign-in page', () => {
  it('keeps the password form and its labels, and takes the organization from ?org=', () => {
    const html = renderToStaticMarkup(<LoginPage />);
    expect(html).toMatch(/<label>User name<input [^>]*name="username"/);
    expect(html).toMatch(/<label>Password<input type="password" [^>]*name="password"/);
    expect(html).toMatch(/<label>Organization <span class="hint">[^<]*<\/span><input [^>]*value="acme"/);
    expect(html).toContain('<button type="submit">Sign in</button>');
  });

  it('offers each provider as a link named “Sign in with …”, back to the page the user wanted', () => {
    const html = renderToStaticMarkup(
      <SsoChoices
        choices={{
          organization: 'acme',
          passwordLogin: true,
          providers: [
            { id: ENTRA, name: 'Entra ID', kind: 'oidc' },
            { id: ADFS, name: 'ADFS & co', kind: 'saml' },
          ],
        }}
        returnTo="/admin/users"
      />,
    );
    expect(html).toContain(
      `<a class="button" href="/iam/auth/sso/${ENTRA}/start?returnTo=%2Fadmin%2Fusers">Sign in with Entra ID</a>`,
    );
    expect(html).toContain(
      `href="/iam/auth/sso/${ADFS}/start?returnTo=%2Fadmin%2Fusers">Sign in with ADFS &amp; co</a>`,
    );
  });

  it('shows nothing for an organization without providers', () => {
    expect(
      renderToStaticMarkup(
        <SsoChoices choices={{ organization: 'acme', passwordLogin: true, providers: [] }} returnTo="/" />,
      ),
    ).toBe('');
  });
});

describe('the remembered organization', () => {
  it('is a valid slug or nothing', () => {
    expect(rememberedOrganization()).toBeUndefined();
    rememberOrganization(' Acme ');
    expect(rememberedOrganization()).toBe('acme');
    rememberOrganization('not a slug');
    expect(rememberedOrganization()).toBe('acme');
    localStorage.setItem('webstream.organization', '<b>');
    expect(rememberedOrganization()).toBeUndefined();
  });

  it('is nothing when the browser refuses storage', () => {
    vi.stubGlobal('localStorage', {
      getItem: () => {
        throw new DOMException('denied', 'SecurityError');
      },
      setItem: () => {
        throw new DOMException('denied', 'SecurityError');
      },
    });
    expect(() => rememberOrganization('acme')).not.toThrow();
    expect(rememberedOrganization()).toBeUndefined();
  });
});
