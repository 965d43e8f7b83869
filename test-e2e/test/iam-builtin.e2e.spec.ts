import { GATEWAY_HEALTH_BODY, gatewayHealthRoute } from '@webstream/contracts';
import { expect, it } from 'vitest';
import { describeIamApi } from '../src/iam-api-suite';

// IAM mounted by the gateway (accessManagement.mode = builtin), as `webstream -gw` runs it.
describeIamApi('builtin', (stack) => {
  it("leaves the gateway's own routes answering beside /iam", async () => {
    const response = await fetch(`${stack().baseUrl}${gatewayHealthRoute.path}`);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe(GATEWAY_HEALTH_BODY);
  });
});
