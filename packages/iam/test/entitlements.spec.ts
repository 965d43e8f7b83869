import { type EntitlementResolution, type MyWorkspacesResponse } from '@webstream/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from '@webstream/testing';
import { type IamFixture, type IamInstance, login, METRICS_TOKEN, startIamFixture } from './iam-harness';

interface Created {
  id: string;
}

describe('entitlements and their resolution', () => {
  let fixture: IamFixture;
  let base: string;
  let admin: string;
  let other: IamInstance;
  const ids: Record<string, string> = {};
  let userToken: string;

  async function create(path: string, body: unknown): Promise<string> {
    const answer = await call<Created>(base, 'POST', path, { token: admin, body });
    expect(answer.status, `${path} ${JSON.stringify(answer.body)}`).toBe(201);
    return answer.body.id;
  }

  async function resolve(
    instance: IamInstance,
    query: string,
    token = userToken,
  ): Promise<EntitlementResolution> {
    const answer = await call<EntitlementResolution>(
      instance.url,
      'GET',
      `/iam/entitlements/resolve?${query}`,
      { token },
    );
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    return answer.body;
  }

  beforeAll(async () => {
    fixture = await startIamFixture('ws_iam_entitlements');
    base = fixture.iam.url;
    // A second IAM (another gateway) on the same database: changes made through the first must reach its cache.
    other = await fixture.startInstance();
    admin = (await login(base, fixture.admin.username, fixture.admin.password)).accessToken;
    ids['user'] = await create('/iam/users', {
      username: 'olga',
      password: 'a long enough passphrase',
      displayName: 'Olga',
    });
    ids['group'] = await create('/iam/groups', { name: 'designers' });
    ids['editor'] = await create('/iam/applications', {
      name: 'Editor',
      exe: '/usr/bin/gedit',
      args: '--new-window',
    });
    ids['viewer'] = await create('/iam/applications', { name: 'Viewer', exe: '/usr/bin/eog' });
    ids['stray'] = await create('/iam/applications', { name: 'Stray', exe: '/usr/bin/xclock' });
    ids['policy'] = await create('/iam/policies', {
      name: 'view only',
      rules: {
        clipboard: { inbound: false, outbound: false, maxBytes: 1024 },
        fileTransfer: { upload: false, download: false },
        printing: false,
        inputAllowed: false,
        idleTimeoutSeconds: 600,
        maxSessionSeconds: 3600,
        sessionWarningSeconds: 300,
        watermark: { enabled: true, text: 'confidential' },
        audio: false,
      },
    });
    ids['workspace'] = await create('/iam/workspaces', {
      name: 'Design',
      applicationIds: [ids['editor'], ids['viewer']],
      policyId: ids['policy'],
      maxSessions: 5,
      requiredTags: ['gpu'],
    });
    ids['entitlement'] = await create('/iam/entitlements', {
      workspaceId: ids['workspace'],
      groupId: ids['group'],
    });
    expect(
      (await call(base, 'PUT', `/iam/groups/${ids['group']}/members/${ids['user']}`, { token: admin }))
        .status,
    ).toBe(200);
    userToken = (await login(base, 'olga', 'a long enough passphrase')).accessToken;
  });

  afterAll(async () => {
    await fixture?.stop();
  });

  it("lists a group member's workspaces with their applications in order and the policy", async () => {
    const mine = await call<MyWorkspacesResponse>(base, 'GET', '/iam/me/workspaces', { token: userToken });
    expect(mine.status).toBe(200);
    expect(mine.body.items).toHaveLength(1);
    const [workspace] = mine.body.items;
    expect(workspace).toMatchObject({ id: ids['workspace'], name: 'Design', type: 'app' });
    expect(
      workspace!.applications.map((application) => [application.name, application.exe, application.args]),
    ).toEqual([
      ['Editor', '/usr/bin/gedit', '--new-window'],
      ['Viewer', '/usr/bin/eog', ''],
    ]);
    expect(workspace!.policy).toMatchObject({
      inputAllowed: false,
      watermark: { enabled: true, text: 'confidential' },
    });
  });

  it('resolves the contract the gateway injects, with placement limits', async () => {
    const resolution = await resolve(fixture.iam, `workspaceId=${ids['workspace']}&appId=${ids['editor']}`);
    expect(resolution).toEqual({
      entitled: true,
      contract: {
        workspaceId: ids['workspace'],
        workspaceName: 'Design',
        workspaceType: 'app',
        appId: ids['editor'],
        appExe: '/usr/bin/gedit',
        appArgs: '--new-window',
        userId: ids['user'],
        username: 'olga',
        orgId: expect.any(String) as string,
        policy: expect.objectContaining({ inputAllowed: false, audio: false }) as object,
      },
      placement: { maxSessions: 5, requiredTags: ['gpu'] },
    });
  });

  it('refuses precisely', async () => {
    const workspace = `workspaceId=${ids['workspace']}`;
    expect(await resolve(fixture.iam, `${workspace}&appId=${ids['stray']}`)).toMatchObject({
      entitled: false,
      reason: 'app-not-in-workspace',
    });
    expect(await resolve(fixture.iam, `workspaceId=not-a-workspace&appId=${ids['editor']}`)).toMatchObject({
      entitled: false,
      reason: 'workspace-unknown',
    });
    const stranger = await create('/iam/users', {
      username: 'stranger',
      password: 'a long enough passphrase',
    });
    expect(
      await resolve(fixture.iam, `${workspace}&appId=${ids['editor']}&userId=${stranger}`, admin),
    ).toMatchObject({ entitled: false, reason: 'not-entitled' });
    // A plain user may not ask about someone else.
    expect(
      (
        await call(
          base,
          'GET',
          `/iam/entitlements/resolve?${workspace}&appId=${ids['editor']}&userId=${stranger}`,
          { token: userToken },
        )
      ).status,
    ).toBe(403);
  });

  it('answers a repeated question from the cache', async () => {
    const hits = async (): Promise<number> => {
      const scrape = { headers: { authorization: `Bearer ${METRICS_TOKEN}` } };
      const text = await (await fetch(`${base}/metrics`, scrape)).text();
      return Number(
        /^iam_entitlement_resolutions_total\{cache="hit",service="iam"\} (\d+)/m.exec(text)?.[1] ?? 0,
      );
    };
    const query = `workspaceId=${ids['workspace']}&appId=${ids['viewer']}`;
    await resolve(fixture.iam, query);
    const before = await hits();
    for (let i = 0; i < 3; i++) expect(await resolve(fixture.iam, query)).toMatchObject({ entitled: true });
    expect(await hits()).toBe(before + 3);
  });

  it('sees a change made through another instance at once, in spite of the cache', async () => {
    const query = `workspaceId=${ids['workspace']}&appId=${ids['viewer']}`;
    // Warm both caches.
    expect(await resolve(other, query)).toMatchObject({ entitled: true });
    expect(await resolve(other, query)).toMatchObject({ entitled: true });
    expect(
      (await call(base, 'DELETE', `/iam/groups/${ids['group']}/members/${ids['user']}`, { token: admin }))
        .status,
    ).toBe(204);
    await expect
      .poll(async () => (await resolve(other, query)).entitled, { timeout: 2_000, interval: 20 })
      .toBe(false);
    expect(await resolve(other, query)).toMatchObject({ reason: 'not-entitled' });

    expect(
      (await call(base, 'PUT', `/iam/groups/${ids['group']}/members/${ids['user']}`, { token: admin }))
        .status,
    ).toBe(200);
    await expect
      .poll(async () => (await resolve(other, query)).entitled, { timeout: 2_000, interval: 20 })
      .toBe(true);

    expect(
      (await call(base, 'PATCH', `/iam/users/${ids['user']}`, { token: admin, body: { disabled: true } }))
        .status,
    ).toBe(200);
    await expect
      .poll(async () => await resolve(other, `${query}&userId=${ids['user']}`, admin), {
        timeout: 2_000,
        interval: 20,
      })
      .toMatchObject({ entitled: false, reason: 'user-disabled' });
    expect(
      (await call(base, 'PATCH', `/iam/users/${ids['user']}`, { token: admin, body: { disabled: false } }))
        .status,
    ).toBe(200);
  });

  it('reports every change to the metrics engine with who, what, before and after, and no secret', async () => {
    const update = await fixture.recorder.waitFor(
      (event): event is Extract<typeof event, { kind: 'audit' }> =>
        event.kind === 'audit' && event.action === 'user.update' && event.targetId === ids['user'],
    );
    expect(update).toMatchObject({
      actorName: 'root',
      targetType: 'user',
      before: { disabled: false },
      after: { disabled: true },
    });
    const created = await fixture.recorder.waitFor(
      (event): event is Extract<typeof event, { kind: 'audit' }> =>
        event.kind === 'audit' && event.action === 'user.create' && event.targetId === ids['user'],
    );
    expect(created.before).toBeNull();
    expect(created.after).toMatchObject({ username: 'olga' });
    const everything = JSON.stringify(fixture.recorder.events);
    expect(everything).not.toMatch(/passwordHash|argon2|a long enough passphrase/);
    for (const action of [
      'group.member-add',
      'group.member-remove',
      'workspace.create',
      'policy.create',
      'entitlement.create',
    ]) {
      expect(
        fixture.recorder.events.some((event) => event.kind === 'audit' && event.action === action),
        action,
      ).toBe(true);
    }
  });

  it('keeps working while the metrics engine is down, and delivers what it held once it is back', async () => {
    await fixture.recorder.stop();
    const id = await create('/iam/applications', { name: 'Offline', exe: '/usr/bin/true' });
    expect((await call(base, 'GET', `/iam/applications/${id}`, { token: admin })).status).toBe(200);
    const port = new URL(fixture.recorder.url).port;
    await fixture.recorder.start(Number(port));
    await fixture.recorder.waitFor(
      (event): event is Extract<typeof event, { kind: 'audit' }> =>
        event.kind === 'audit' && event.targetId === id,
      15_000,
    );
  });
});
