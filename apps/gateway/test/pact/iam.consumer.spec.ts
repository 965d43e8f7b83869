import { MatchersV3 } from '@pact-foundation/pact';
import { BACKEND_TOKEN_HEADER, resolveEntitlementRoute, tokenSubjectsRoute } from '@webstream/contracts';
import { consumerPact } from '@webstream/testing/contracts';
import { describe, expect, it } from 'vitest';
import { HttpIamClient } from '../../src/iam-client/http-iam-client';
import { HttpTokenSubjects } from '../../src/iam-client/http-token-subjects';

const { like, regex } = MatchersV3;

const TOKEN = 'backend-token-'.padEnd(40, 'x');
const ACCESS_TOKEN = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhZG1pbiJ9.c2lnbmF0dXJl';
const UNKNOWN_USER = '9a1b2c3d-4e5f-4a6b-8c7d-0e1f2a3b4c5d';

/** A standalone IAM, as the gateway's own clients call it (accessManagement.mode standalone). */
describe('pact: gateway → IAM (standalone)', () => {
  const contract = consumerPact('gateway', 'iam');

  it("asks whether a user may launch an application, with the user's own token", () =>
    contract.pact
      .addInteraction()
      .given('the admin is signed in')
      .uponReceiving('an entitlement check for a workspace that does not exist')
      .withRequest('GET', resolveEntitlementRoute.path, (request) =>
        request
          .headers({ authorization: regex(/^Bearer .+$/, `Bearer ${ACCESS_TOKEN}`) })
          .query({ workspaceId: 'ws-pact-none', appId: 'app-pact-none' }),
      )
      .willRespondWith(200, (response) =>
        response.jsonBody({
          entitled: false,
          reason: 'workspace-unknown',
          message: like('No such workspace'),
        }),
      )
      .executeTest(async (mock) => {
        const iam = new HttpIamClient({ url: mock.url, timeoutMs: 5_000, resetTimeoutMs: 1_000 });
        try {
          const resolution = await iam.resolveEntitlement({
            accessToken: ACCESS_TOKEN,
            userId: 'user-pact',
            workspaceId: 'ws-pact-none',
            appId: 'app-pact-none',
          });
          expect(resolution.entitled).toBe(false);
        } finally {
          iam.onApplicationShutdown();
        }
      }));

  it("asks what IAM knows now of a token's user", () =>
    contract.pact
      .addInteraction()
      .given('the admin is signed in')
      .uponReceiving('the token subjects of a user IAM does not know')
      .withRequest('POST', tokenSubjectsRoute.path, (request) =>
        request.headers({ [BACKEND_TOKEN_HEADER]: like(TOKEN) }).jsonBody({ userIds: [UNKNOWN_USER] }),
      )
      .willRespondWith(200, (response) => response.jsonBody({ subjects: { [UNKNOWN_USER]: null } }))
      .executeTest(async (mock) => {
        const subjects = new HttpTokenSubjects({ url: mock.url, backendToken: TOKEN, timeoutMs: 5_000 });
        expect(await subjects.current(UNKNOWN_USER)).toBeNull();
      }));

  it('writes the pact iam verifies, and it is the committed one', () => contract.isCommitted());
});
