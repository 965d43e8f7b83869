import { createHmac } from 'node:crypto';
import {
  type ErrorEnvelope,
  type MeResponse,
  tokenResponseSchema,
  type TokenResponse,
} from '@webstream/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from '@webstream/testing';
import { type IamFixture, login, startIamFixture } from './iam-harness';

function base64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

function sign(
  header: object,
  payload: object,
  key: string,
  algorithm: 'sha256' | 'sha512' = 'sha256',
): string {
  const unsigned = `${base64url(header)}.${base64url(payload)}`;
  return `${unsigned}.${createHmac(algorithm, key).update(unsigned).digest('base64url')}`;
}

function payloadOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
}

describe('IAM authentication', () => {
  let fixture: IamFixture;
  let base: string;
  let adminToken: string;

  beforeAll(async () => {
    fixture = await startIamFixture('ws_iam_auth', {
      loginThrottle: {
        freeAttempts: 2,
        lockAfterFailures: 4,
        lockoutSeconds: 600,
        addressLockAfterFailures: 1000,
      },
    });
    base = fixture.iam.url;
    adminToken = (await login(base, fixture.admin.username, fixture.admin.password)).accessToken;
  });

  afterAll(async () => {
    await fixture?.stop();
  });

  async function createUser(username: string, password = 'a long enough passphrase'): Promise<string> {
    const created = await call<{ id: string }>(base, 'POST', '/iam/users', {
      token: adminToken,
      body: { username, password },
    });
    expect(created.status).toBe(201);
    return created.body.id;
  }

  it('signs in with the bootstrap admin and answers the contract', async () => {
    const answer = await call<TokenResponse>(base, 'POST', '/iam/auth/login', {
      body: { username: fixture.admin.username, password: fixture.admin.password, organization: 'default' },
    });
    expect(answer.status).toBe(200);
    expect(answer.headers.get('cache-control')).toBe('no-store');
    const tokens = tokenResponseSchema.parse(answer.body);
    expect(tokens.user).toMatchObject({ username: 'root', role: 'platform-admin' });
    expect(tokens.expiresIn).toBe(900);
    const claims = payloadOf(tokens.accessToken);
    expect(claims).toMatchObject({
      sub: tokens.user.id,
      role: 'platform-admin',
      iss: 'webstream-iam',
      aud: 'webstream',
    });
    expect((claims['exp'] as number) - (claims['iat'] as number)).toBe(900);
  });

  it('answers a wrong password and an unknown user alike, and records the failure', async () => {
    await createUser('carol');
    const wrong = await call<ErrorEnvelope>(base, 'POST', '/iam/auth/login', {
      body: { username: 'carol', password: 'not the password' },
    });
    const unknown = await call<ErrorEnvelope>(base, 'POST', '/iam/auth/login', {
      body: { username: 'nobody-here', password: 'whatever it is' },
    });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.body.error.message).toBe(unknown.body.error.message);
    await fixture.recorder.waitFor(
      (event): event is typeof event =>
        event.kind === 'activity' &&
        event.type === 'login' &&
        event.username === 'carol' &&
        /failed/.test(event.detail ?? ''),
    );
  });

  it('slows a guesser down, then locks the account, and refuses even the right password meanwhile', async () => {
    await createUser('dave');
    const attempt = (password: string) =>
      call<ErrorEnvelope>(base, 'POST', '/iam/auth/login', { body: { username: 'dave', password } });
    expect((await attempt('guess number one')).status).toBe(401);
    // Failure 2 reaches freeAttempts: the next try must wait 1 s.
    expect((await attempt('guess number two')).status).toBe(401);
    const slowed = await attempt('a long enough passphrase');
    expect(slowed.status).toBe(429);
    expect(slowed.body.error.code).toBe('rate_limited');
    expect(Number(slowed.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    await new Promise((done) => setTimeout(done, 1_100));
    expect((await attempt('guess number three')).status).toBe(401);
    // Failure 3: the wait doubles to 2 s.
    const longer = await attempt('guess number four');
    expect(longer.status).toBe(429);
    expect(Number(longer.headers.get('retry-after'))).toBe(2);
    await new Promise((done) => setTimeout(done, 2_100));
    expect((await attempt('guess number five')).status).toBe(401);
    // Failure 4 = lockAfterFailures: locked for lockoutSeconds.
    const locked = await attempt('a long enough passphrase');
    expect(locked.status).toBe(429);
    expect(locked.body.error.message).toMatch(/locked/);
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(500);
  });

  it('clears the count after a successful login', async () => {
    await createUser('erin');
    const body = { username: 'erin', password: 'wrong password here' };
    expect((await call(base, 'POST', '/iam/auth/login', { body })).status).toBe(401);
    await login(base, 'erin', 'a long enough passphrase');
    expect((await call(base, 'POST', '/iam/auth/login', { body })).status).toBe(401);
    // Only one failure since the success: below freeAttempts, so no wait is imposed.
    await login(base, 'erin', 'a long enough passphrase');
  });

  it('locks a source address that fails too often, whatever users it names', async () => {
    // A database of its own: the address counter is shared by every instance on one database.
    const strict = await startIamFixture('ws_iam_address', {
      loginThrottle: {
        freeAttempts: 100,
        lockAfterFailures: 200,
        addressLockAfterFailures: 3,
        addressWindowSeconds: 600,
      },
    });
    try {
      for (const username of ['spray-1', 'spray-2', 'spray-3']) {
        const answer = await call(strict.iam.url, 'POST', '/iam/auth/login', {
          body: { username, password: 'password guess' },
        });
        expect(answer.status).toBe(401);
      }
      const refused = await call<ErrorEnvelope>(strict.iam.url, 'POST', '/iam/auth/login', {
        body: { username: strict.admin.username, password: strict.admin.password },
      });
      expect(refused.status).toBe(429);
      expect(refused.body.error.message).toMatch(/from this address/);
    } finally {
      await strict.stop();
    }
  });

  it('rotates refresh tokens and revokes the family when an old one is presented again', async () => {
    await createUser('frank');
    const first = await login(base, 'frank', 'a long enough passphrase');
    const second = await call<TokenResponse>(base, 'POST', '/iam/auth/refresh', {
      body: { refreshToken: first.refreshToken },
    });
    expect(second.status).toBe(200);
    expect(second.body.refreshToken).not.toBe(first.refreshToken);
    const third = await call<TokenResponse>(base, 'POST', '/iam/auth/refresh', {
      body: { refreshToken: second.body.refreshToken },
    });
    expect(third.status).toBe(200);
    // The first token again: stolen or replayed, so every token of the login dies.
    const reuse = await call<ErrorEnvelope>(base, 'POST', '/iam/auth/refresh', {
      body: { refreshToken: first.refreshToken },
    });
    expect(reuse.status).toBe(401);
    expect(reuse.body.error.message).toMatch(/already used/);
    expect(
      (await call(base, 'POST', '/iam/auth/refresh', { body: { refreshToken: third.body.refreshToken } }))
        .status,
    ).toBe(401);
    // Another login is another family, untouched.
    const other = await login(base, 'frank', 'a long enough passphrase');
    expect(
      (await call(base, 'POST', '/iam/auth/refresh', { body: { refreshToken: other.refreshToken } })).status,
    ).toBe(200);
  });

  it('lets exactly one of two concurrent refreshes of a token win', async () => {
    await createUser('grace');
    const tokens = await login(base, 'grace', 'a long enough passphrase');
    const answers = await Promise.all(
      [1, 2].map(() =>
        call(base, 'POST', '/iam/auth/refresh', { body: { refreshToken: tokens.refreshToken } }),
      ),
    );
    expect(answers.map((answer) => answer.status).sort()).toEqual([200, 401]);
  });

  it('ends the session on logout, and a disabled user can neither refresh nor sign in', async () => {
    const id = await createUser('heidi');
    const tokens = await login(base, 'heidi', 'a long enough passphrase');
    expect(
      (await call(base, 'POST', '/iam/auth/logout', { body: { refreshToken: tokens.refreshToken } })).body,
    ).toEqual({ success: true });
    expect(
      (await call(base, 'POST', '/iam/auth/refresh', { body: { refreshToken: tokens.refreshToken } })).status,
    ).toBe(401);

    const again = await login(base, 'heidi', 'a long enough passphrase');
    expect(
      (await call(base, 'PATCH', `/iam/users/${id}`, { token: adminToken, body: { disabled: true } })).status,
    ).toBe(200);
    expect(
      (await call(base, 'POST', '/iam/auth/refresh', { body: { refreshToken: again.refreshToken } })).status,
    ).toBe(401);
    const refused = await call<ErrorEnvelope>(base, 'POST', '/iam/auth/login', {
      body: { username: 'heidi', password: 'a long enough passphrase' },
    });
    expect(refused.status).toBe(403);
    expect(refused.body.error.message).toMatch(/disabled/);
  });

  it('accepts only HS256 tokens it signed, unexpired, for its issuer and audience', async () => {
    const good = (await login(base, fixture.admin.username, fixture.admin.password)).accessToken;
    const me = await call<MeResponse>(base, 'GET', '/iam/me', { token: good });
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ username: 'root', orgSlug: 'default', role: 'platform-admin' });

    const claims = payloadOf(good);
    const now = Math.floor(Date.now() / 1000);
    const forged = {
      missing: undefined,
      algNone: `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url(claims)}.`,
      tampered: `${good.split('.')[0]}.${base64url({ ...claims, role: 'platform-admin', sub: '00000000-0000-4000-8000-000000000000' })}.${good.split('.')[2]}`,
      expired: sign(
        { alg: 'HS256', typ: 'JWT' },
        { ...claims, iat: now - 3600, exp: now - 60 },
        fixture.signingKey,
      ),
      hs512: sign({ alg: 'HS512', typ: 'JWT' }, claims, fixture.signingKey, 'sha512'),
      otherKey: sign(
        { alg: 'HS256', typ: 'JWT' },
        claims,
        'another key of the same length as the real one..',
      ),
      otherAudience: sign(
        { alg: 'HS256', typ: 'JWT' },
        { ...claims, aud: 'someone-else' },
        fixture.signingKey,
      ),
    };
    for (const [name, token] of Object.entries(forged)) {
      const answer = await call<ErrorEnvelope>(base, 'GET', '/iam/me', { token });
      expect(answer.status, name).toBe(401);
      expect(answer.body.error.code, name).toBe('unauthorized');
    }
  });

  it('stops accepting a token the moment it expires, though its verification is remembered', async () => {
    const claims = payloadOf((await login(base, fixture.admin.username, fixture.admin.password)).accessToken);
    const now = Math.floor(Date.now() / 1000);
    const shortLived = sign(
      { alg: 'HS256', typ: 'JWT' },
      { ...claims, iat: now, exp: now + 2 },
      fixture.signingKey,
    );
    for (let i = 0; i < 3; i += 1)
      expect((await call(base, 'GET', '/iam/me', { token: shortLived })).status).toBe(200);
    await new Promise((done) => setTimeout(done, (now + 2) * 1000 - Date.now() + 100));
    expect((await call(base, 'GET', '/iam/me', { token: shortLived })).status).toBe(401);
  });

  it('refuses passwords that break the policy, naming the field and the rule', async () => {
    const cases: [string, RegExp][] = [
      ['short', /at least 12 characters/],
      ['aaaaaaaaaaaaaaaa', /at least 5 different characters/],
      ['password1234', /too common/],
      ['ivan-the-terrible-password', /must not contain the user name/],
    ];
    for (const [password, rule] of cases) {
      const answer = await call<ErrorEnvelope>(base, 'POST', '/iam/users', {
        token: adminToken,
        body: { username: 'ivan', password },
      });
      expect(answer.status, password).toBe(400);
      expect(answer.body.error.fields, password).toEqual([
        { path: 'password', message: expect.stringMatching(rule) as string },
      ]);
    }
    expect((await call(base, 'GET', '/iam/users?q=ivan', { token: adminToken })).body).toMatchObject({
      total: 0,
    });
  });
});
