import { z } from 'zod';
import { httpUrlSchema } from './common';
import { defineEndpoint } from './endpoint';

/** The header session hosts, streamers and the gateway authenticate to each other with (gateway.backend.token). */
export const BACKEND_TOKEN_HEADER = 'x-backend-token';

/** A session host retries registration this often, up to this many times, before giving up. */
export const REGISTER_RETRY_INTERVAL_SECONDS = 30;
export const REGISTER_MAX_RETRIES = 10;

export const serverUrlSchema = httpUrlSchema;
export const maxSessionsSchema = z.int().min(1).max(10_000);
export const instanceTypeSchema = z.string().min(1).max(128);
export const backendTagsSchema = z.array(z.string().min(1).max(128)).max(64);

export const registerRequestSchema = z.strictObject({
  serverUrl: serverUrlSchema,
  maxSessions: maxSessionsSchema,
  instanceType: instanceTypeSchema,
  // null when the host does not run on EC2; the key is still required so a forgotten field is caught.
  ec2InstanceId: z.string().min(1).max(64).nullable(),
  tags: backendTagsSchema,
  capabilities: z.array(z.string().min(1).max(128)).max(64),
  version: z.string().min(1).max(64),
  /**
   * In the redirect topology, the public URL of the gateway beside this host (sessionHost.publicGatewayUrl):
   * browsers open this host's sessions' sockets there.
   */
  publicGatewayUrl: httpUrlSchema.optional(),
});
export type RegisterRequest = z.infer<typeof registerRequestSchema>;

export const registerResponseSchema = z.object({
  registered: z.literal(true),
  serverUrl: serverUrlSchema,
  /** Seconds between heartbeats the gateway expects from this host. */
  heartbeatInterval: z.int().min(1).max(3600),
});
export type RegisterResponse = z.infer<typeof registerResponseSchema>;

export const registerRoute = defineEndpoint({
  operationId: 'registerBackend',
  method: 'POST',
  path: '/gateway/register',
  summary: 'A session host registers (at start-up, retried every 30 s up to 10 times)',
  tag: 'backends',
  security: ['backendToken'],
  body: registerRequestSchema,
  status: 200,
  response: registerResponseSchema,
});
