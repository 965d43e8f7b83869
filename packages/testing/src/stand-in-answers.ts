import {
  type BackendHealthResponse,
  backendHealthResponseSchema,
  type RegisterRequest,
  registerRequestSchema,
} from '@webstream/contracts';

/**
 * What a session host answers on /health, for stand-in hosts: parsed with the contract, so a stand-in can never
 * answer a shape the gateway's health monitor would refuse from a real host.
 */
export function backendHealthAnswer(overrides: Partial<BackendHealthResponse> = {}): BackendHealthResponse {
  return backendHealthResponseSchema.parse({
    status: 'healthy',
    activeSessions: 0,
    maxSessions: 10,
    captureTools: { xvfb: true, ffmpeg: true, xdotool: true },
    problems: [],
    ...overrides,
  });
}

/** What a session host at `serverUrl` sends to register with a gateway, parsed with the contract. */
export function hostRegistration(
  serverUrl: string,
  overrides: Partial<RegisterRequest> = {},
): RegisterRequest {
  return registerRequestSchema.parse({
    serverUrl,
    maxSessions: 10,
    instanceType: 'test',
    ec2InstanceId: null,
    tags: [],
    capabilities: [],
    version: '1',
    ...overrides,
  });
}
