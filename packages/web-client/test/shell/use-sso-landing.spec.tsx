import { act } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { session } from '../../src/api/http';
import { type SsoLanding as Landing } from '../../src/shell/sso';
import { SsoLanding } from '../../src/shell/SsoLanding';
import { rememberedOrganization } from '../../src/shell/sso-organization';
import { useSsoLanding } from '../../src/shell/useSsoLanding';
import { cleanupHooks, renderHook } from '../session/render-hook';
import { MemoryStorage, standInGateway, tokens } from './stand-ins';

const CODE = 'one-time-code-of-the-test';

let gateway: ReturnType<typeof standInGateway>;
let tab: MemoryStorage;
let site: MemoryStorage;
/** Every address the page was given, in order, through the History API. */
let addresses: string[];
const done = vi.fn();

beforeEach(() => {
  tab = new MemoryStorage();
  site = new MemoryStorage();
  addresses = [];
  done.mockClear();
  gateway = standInGateway({ 'POST /iam/auth/sso/exchange': { status: 200, json: tokens } });
  vi.stubGlobal('fetch', gateway.fetchMock);
  vi.stubGlobal('sessionStorage', tab);
  vi.stubGlobal('localStorage', site);
  vi.stubGlobal('window', {
    history: { replaceState: (_: unknown, __: string, url: string) => addresses.push(url) },
    dispatchEvent: () => true,
  });
});
afterEach(cleanupHooks);

const settle = () => act(() => new Promise<void>((resolve) => setTimeout(resolve, 0)));
const land = (landing: Landing) => renderHook((value: Landing) => useSsoLanding(value, done), landing);

describe('useSsoLanding', () => {
  it('clears the code from the address first, trades it, and then goes where the sign-in started', async () => {
    tab.setItem('webstream.ssoOrganization', 'acme');
    const hook = await land({ kind: 'code', code: CODE, returnTo: '/admin/users' });
    expect(addresses[0]).toBe('/sign-in');
    expect(hook.result.current).toEqual({ phase: 'signing-in' });
    await settle();
    expect(gateway.sent).toMatchObject([{ path: '/iam/auth/sso/exchange', body: { code: CODE } }]);
    expect(session.user).toEqual(tokens.user);
    expect(addresses).toEqual(['/sign-in', '/admin/users']);
    expect(done).toHaveBeenCalledOnce();
    // The organization the sign-in was started for is offered first next time.
    expect(rememberedOrganization()).toBe('acme');
    expect(tab.getItem('webstream.ssoOrganization')).toBeNull();
  });

  it('trades a code once, however often the page renders', async () => {
    const landing: Landing = { kind: 'code', code: CODE, returnTo: '/' };
    const hook = await land(landing);
    await hook.rerender({ ...landing });
    await settle();
    expect(gateway.fetchMock).toHaveBeenCalledOnce();
  });

  it('says a refused code was already used or has expired, and stays signed out', async () => {
    await session.logout();
    gateway = standInGateway({
      'POST /iam/auth/sso/exchange': {
        status: 401,
        json: { error: { status: 401, code: 'unauthorized', message: 'Unknown code' } },
      },
    });
    vi.stubGlobal('fetch', gateway.fetchMock);
    const hook = await land({ kind: 'code', code: CODE, returnTo: '/admin' });
    await settle();
    expect(hook.result.current).toEqual({
      phase: 'failed',
      message: 'This sign-in link was already used or has expired. Please sign in again.',
    });
    expect(session.user).toBeUndefined();
    expect(addresses).toEqual(['/sign-in']);
    expect(done).not.toHaveBeenCalled();
  });

  it('says the provider’s error in words, without asking IAM anything', async () => {
    const hook = await land({ kind: 'error', error: 'access_denied', description: 'cancelled' });
    expect(hook.result.current).toEqual({
      phase: 'failed',
      message: 'The identity provider refused the sign-in.',
    });
    expect(addresses).toEqual(['/sign-in']);
    expect(gateway.fetchMock).not.toHaveBeenCalled();
  });
});

describe('the landing page', () => {
  it('shows a failure in an alert with the way back to sign in', () => {
    const html = renderToStaticMarkup(
      <SsoLanding landing={{ kind: 'error', error: 'expired', description: undefined }} onDone={done} />,
    );
    expect(html).toContain(
      '<p role="alert" class="error">The sign-in took too long. Please start again.</p>',
    );
    expect(html).toContain('<a href="/sign-in">Back to sign in</a>');
  });

  it('says it is signing in while the code is traded', () => {
    const html = renderToStaticMarkup(
      <SsoLanding landing={{ kind: 'code', code: CODE, returnTo: '/' }} onDone={done} />,
    );
    expect(html).toContain('<p role="status">Signing you in…</p>');
  });
});
