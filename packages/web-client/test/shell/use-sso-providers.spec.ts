import { type SsoProvidersResponse } from '@webstream/contracts';
import { act } from 'react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LOOKUP_PAUSE_MS, useSettledValue, useSsoProviders } from '../../src/shell/useSsoProviders';
import { cleanupHooks, renderHook } from '../session/render-hook';
import { standInGateway } from './stand-ins';

const acme: SsoProvidersResponse = {
  organization: 'acme',
  passwordLogin: false,
  providers: [
    { id: '0b9d7f4e-6f5c-4b6a-9a51-3c1e2d3f4a5b', name: 'Acme Entra ID', kind: 'oidc' },
    { id: '1c8e6a3d-5e4b-4a59-8b40-2b0d1c2e3f4a', name: 'Acme ADFS', kind: 'saml' },
  ],
};

let gateway: ReturnType<typeof standInGateway>;

beforeEach(() => {
  gateway = standInGateway({ 'GET /iam/auth/sso/providers': { status: 200, json: acme } });
  vi.stubGlobal('fetch', gateway.fetchMock);
});
afterEach(async () => {
  vi.useRealTimers();
  await cleanupHooks();
});

const settle = () => act(() => new Promise<void>((resolve) => setTimeout(resolve, 0)));

describe('useSsoProviders', () => {
  it('asks for the organization’s sign-in choices and gives them', async () => {
    const hook = await renderHook((slug: string | undefined) => useSsoProviders(slug), 'acme');
    await settle();
    expect(hook.result.current).toEqual(acme);
    expect(gateway.sent).toMatchObject([
      { method: 'GET', path: '/iam/auth/sso/providers', query: 'organization=acme' },
    ]);
  });

  it('asks nothing without an organization', async () => {
    const hook = await renderHook((slug: string | undefined) => useSsoProviders(slug), undefined);
    await settle();
    expect(hook.result.current).toBeUndefined();
    expect(gateway.fetchMock).not.toHaveBeenCalled();
  });

  it('shows nothing, quietly, for an unknown organization', async () => {
    gateway = standInGateway({});
    vi.stubGlobal('fetch', gateway.fetchMock);
    const hook = await renderHook((slug: string | undefined) => useSsoProviders(slug), 'nobody');
    await settle();
    expect(gateway.sent).toHaveLength(1);
    expect(hook.result.current).toBeUndefined();
  });

  it('drops one organization’s choices as soon as another is asked for', async () => {
    const hook = await renderHook((slug: string | undefined) => useSsoProviders(slug), 'acme');
    await settle();
    expect(hook.result.current).toEqual(acme);
    gateway.fetchMock.mockImplementationOnce(() => new Promise<Response>(() => undefined));
    await hook.rerender('globex');
    expect(hook.result.current).toBeUndefined();
    await hook.rerender(undefined);
    expect(hook.result.current).toBeUndefined();
  });
});

describe('useSettledValue', () => {
  it('follows the value once typing pauses, or at once when asked (the field lost focus)', async () => {
    vi.useFakeTimers();
    const hook = await renderHook((value: string) => useSettledValue(value), 'a');
    expect(hook.result.current[0]).toBe('a');
    await hook.rerender('ac');
    await hook.rerender('acm');
    await act(async () => vi.advanceTimersByTime(LOOKUP_PAUSE_MS - 1));
    expect(hook.result.current[0]).toBe('a');
    await act(async () => vi.advanceTimersByTime(1));
    expect(hook.result.current[0]).toBe('acm');

    await hook.rerender('acme');
    await act(async () => hook.result.current[1]());
    expect(hook.result.current[0]).toBe('acme');
  });
});
