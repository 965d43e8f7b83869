import { describe, expect, it } from 'vitest';
import { endpointPath, matchEndpointPath } from './endpoint';
import { ssoSamlAcsRoute } from './iam-sso';

describe('matchEndpointPath', () => {
  it("answers a matching path's parameters as they stand in it, and undefined for any other path", () => {
    expect(matchEndpointPath('/iam/users/:id', '/iam/users/a%2Fb')).toEqual({ id: 'a%2Fb' });
    expect(matchEndpointPath('/iam/groups/:id/members/:userId', '/iam/groups/g1/members/u2')).toEqual({
      id: 'g1',
      userId: 'u2',
    });
    expect(matchEndpointPath('/iam/users/:id', '/iam/users/1/more')).toBeUndefined();
    expect(matchEndpointPath('/iam/users/:id', '/iam/users/')).toBeUndefined();
    expect(matchEndpointPath('/health', '/health')).toEqual({});
  });

  it('takes the literal parts of the path literally', () => {
    expect(matchEndpointPath('/openapi.json', '/openapi.json')).toEqual({});
    expect(matchEndpointPath('/openapi.json', '/openapiXjson')).toBeUndefined();
  });

  it('matches what endpointPath builds', () => {
    const path = endpointPath(ssoSamlAcsRoute, { id: '0b7f1f9a-8e0b-4f4e-8d53-3c2f2d3e4a5b' });
    expect(matchEndpointPath(ssoSamlAcsRoute.path, path)).toEqual({
      id: '0b7f1f9a-8e0b-4f4e-8d53-3c2f2d3e4a5b',
    });
  });
});
