import { defaultPolicy, type EntitlementResolution } from '@webstream/contracts';
import { call } from '@webstream/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type IamFixture, login, METRICS_TOKEN, startIamFixture } from './iam-harness';

const PASSWORD = 'a long enough passphrase';

// Every write that can change an entitlement answer must make the cached answer stale at once, on the
// instance that made it: each step warms the cache with the question, writes, and asks again.
describe('the entitlement cache and the writes that change its answers', () => {
  let fixture: IamFixture;
  let base: string;
  let admin: string;
  const ids: Record<string, string> = {};

  async function send(method: string, path: string, body?: unknown): Promise<string> {
    const answer = await call<{ id?: string }>(base, method, path, { token: admin, body });
    expect(answer.status, `${method} ${path} ${JSON.stringify(answer.body)}`).toBeLessThan(300);
    return answer.body?.id ?? '';
  }

  async function resolve(
    user = ids['user']!,
    workspace = ids['workspace']!,
    app = ids['editor']!,
  ): Promise<EntitlementResolution> {
    const query = `workspaceId=${workspace}&appId=${app}&userId=${user}`;
    const answer = await call<EntitlementResolution>(base, 'GET', `/iam/entitlements/resolve?${query}`, {
      token: admin,
    });
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    return answer.body;
  }

  /** Asks twice, so the second answer comes from the cache, and answers that (cached) resolution. */
  async function warmed(user?: string, workspace?: string, app?: string): Promise<EntitlementResolution> {
    await resolve(user, workspace, app);
    return resolve(user, workspace, app);
  }

  async function cacheHits(): Promise<number> {
    const scrape = { headers: { authorization: `Bearer ${METRICS_TOKEN}` } };
    const text = await (await fetch(`${base}/metrics`, scrape)).text();
    return Number(
      /^iam_entitlement_resolutions_total\{cache="hit",service="iam"\} (\d+)/m.exec(text)?.[1] ?? 0,
    );
  }

  /** A write whose effect no answer shows here must still drop the cache: the next question is a miss. */
  async function expectCacheDroppedBy(write: () => Promise<unknown>): Promise<void> {
    await warmed();
    const hits = await cacheHits();
    await write();
    expect(await resolve()).toMatchObject({ entitled: true });
    expect(await cacheHits()).toBe(hits);
  }

  beforeAll(async () => {
    fixture = await startIamFixture('ws_iam_invalidation');
    base = fixture.iam.url;
    admin = (await login(base, fixture.admin.username, fixture.admin.password)).accessToken;
    ids['user'] = await send('POST', '/iam/users', { username: 'petra', password: PASSWORD });
    ids['group'] = await send('POST', '/iam/groups', { name: 'analysts' });
    ids['editor'] = await send('POST', '/iam/applications', { name: 'Editor', exe: '/usr/bin/gedit' });
    ids['viewer'] = await send('POST', '/iam/applications', { name: 'Viewer', exe: '/usr/bin/eog' });
    ids['policy'] = await send('POST', '/iam/policies', {
      name: 'plain',
      rules: { ...defaultPolicy, audio: true },
    });
    ids['workspace'] = await send('POST', '/iam/workspaces', {
      name: 'Analysis',
      applicationIds: [ids['editor']],
      policyId: ids['policy'],
      maxSessions: 3,
    });
    ids['other-workspace'] = await send('POST', '/iam/workspaces', {
      name: 'Elsewhere',
      applicationIds: [ids['editor']],
    });
    ids['entitlement'] = await send('POST', '/iam/entitlements', {
      workspaceId: ids['workspace'],
      groupId: ids['group'],
    });
    await send('PUT', `/iam/groups/${ids['group']}/members/${ids['user']}`);
  });

  afterAll(async () => {
    await fixture?.stop();
  });

  it('answers from the cache while nothing changes', async () => {
    await resolve();
    const before = await cacheHits();
    expect(await resolve()).toMatchObject({ entitled: true });
    expect(await cacheHits()).toBe(before + 1);
  });

  it('sees a changed application, policy and workspace', async () => {
    expect(await warmed()).toMatchObject({ contract: { appExe: '/usr/bin/gedit' } });
    await send('PATCH', `/iam/applications/${ids['editor']}`, { exe: '/usr/bin/kate' });
    expect(await resolve()).toMatchObject({ contract: { appExe: '/usr/bin/kate' } });

    expect(await warmed()).toMatchObject({ contract: { policy: { audio: true } } });
    await send('PATCH', `/iam/policies/${ids['policy']}`, { rules: { ...defaultPolicy, audio: false } });
    expect(await resolve()).toMatchObject({ contract: { policy: { audio: false } } });

    expect(await warmed()).toMatchObject({ placement: { maxSessions: 3 } });
    await send('PATCH', `/iam/workspaces/${ids['workspace']}`, { maxSessions: 7 });
    expect(await resolve()).toMatchObject({ placement: { maxSessions: 7 } });

    await send('PATCH', `/iam/workspaces/${ids['workspace']}`, { applicationIds: [ids['viewer']] });
    expect(await resolve()).toMatchObject({ entitled: false, reason: 'app-not-in-workspace' });
    await send('PATCH', `/iam/workspaces/${ids['workspace']}`, { applicationIds: [ids['editor']] });
    expect(await resolve()).toMatchObject({ entitled: true });
  });

  it('sees memberships and entitlements come and go', async () => {
    expect(await warmed()).toMatchObject({ entitled: true });
    await send('DELETE', `/iam/groups/${ids['group']}/members/${ids['user']}`);
    expect(await resolve()).toMatchObject({ entitled: false, reason: 'not-entitled' });

    expect(await warmed()).toMatchObject({ entitled: false });
    await send('PUT', `/iam/groups/${ids['group']}/members/${ids['user']}`);
    expect(await resolve()).toMatchObject({ entitled: true });

    expect(await warmed()).toMatchObject({ entitled: true });
    await send('PATCH', `/iam/entitlements/${ids['entitlement']}`, { workspaceId: ids['other-workspace'] });
    expect(await resolve()).toMatchObject({ entitled: false, reason: 'not-entitled' });

    expect(await warmed()).toMatchObject({ entitled: false });
    const direct = await send('POST', '/iam/entitlements', {
      workspaceId: ids['workspace'],
      userId: ids['user'],
    });
    expect(await resolve()).toMatchObject({ entitled: true });

    expect(await warmed()).toMatchObject({ entitled: true });
    await send('DELETE', `/iam/entitlements/${direct}`);
    expect(await resolve()).toMatchObject({ entitled: false });

    // Back through the group, then the group itself goes (its entitlements with it).
    await send('PATCH', `/iam/entitlements/${ids['entitlement']}`, { workspaceId: ids['workspace'] });
    expect(await warmed()).toMatchObject({ entitled: true });
    await send('DELETE', `/iam/groups/${ids['group']}`);
    expect(await resolve()).toMatchObject({ entitled: false, reason: 'not-entitled' });
  });

  it('sees users, workspaces and organizations disabled or removed', async () => {
    const team = await send('POST', '/iam/groups', { name: 'team' });
    await send('POST', '/iam/entitlements', { workspaceId: ids['workspace'], groupId: team });
    await send('PUT', `/iam/groups/${team}/members/${ids['user']}`);

    expect(await warmed()).toMatchObject({ entitled: true });
    await send('PATCH', `/iam/users/${ids['user']}`, { disabled: true });
    expect(await resolve()).toMatchObject({ entitled: false, reason: 'user-disabled' });
    await send('PATCH', `/iam/users/${ids['user']}`, { disabled: false });
    expect(await resolve()).toMatchObject({ entitled: true });

    // A removed user (or organization) cannot be asked about any more (404): another question shows the drop.
    const spare = await send('POST', '/iam/users', { username: 'quentin', password: PASSWORD });
    await expectCacheDroppedBy(() => send('DELETE', `/iam/users/${spare}`));
    const org = await send('POST', '/iam/organizations', { name: 'Subsidiary', slug: 'subsidiary' });
    await expectCacheDroppedBy(() => send('DELETE', `/iam/organizations/${org}`));

    expect(await warmed()).toMatchObject({ entitled: true });
    await send('DELETE', `/iam/workspaces/${ids['workspace']}`);
    expect(await resolve()).toMatchObject({ entitled: false, reason: 'workspace-unknown' });
  });

  it('keeps its answers through writes no answer reads (API keys)', async () => {
    const user = await send('POST', '/iam/users', { username: 'sabine', password: PASSWORD });
    const workspace = await send('POST', '/iam/workspaces', {
      name: 'Keys',
      applicationIds: [ids['editor']],
    });
    await send('POST', '/iam/entitlements', { workspaceId: workspace, userId: user });
    expect(await warmed(user, workspace)).toMatchObject({ entitled: true });
    const hits = await cacheHits();
    const key = await send('POST', '/iam/api-keys', { name: 'ci', scopes: ['iam:read'], expiresInDays: 1 });
    await send('PATCH', `/iam/api-keys/${key}`, { revoked: true });
    await send('DELETE', `/iam/api-keys/${key}`);
    expect(await resolve(user, workspace)).toMatchObject({ entitled: true });
    expect(await cacheHits()).toBe(hits + 1);
  });
});
