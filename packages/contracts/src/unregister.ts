import { z } from 'zod';
import { serverUrlSchema } from './register';
import { defineEndpoint } from './endpoint';

export const unregisterRequestSchema = z.strictObject({ serverUrl: serverUrlSchema });
export type UnregisterRequest = z.infer<typeof unregisterRequestSchema>;

// success is false when the gateway did not know the host; shutdown proceeds either way.
export const unregisterResponseSchema = z.object({ success: z.boolean() });
export type UnregisterResponse = z.infer<typeof unregisterResponseSchema>;

export const unregisterRoute = defineEndpoint({
  operationId: 'unregisterBackend',
  method: 'POST',
  path: '/gateway/unregister',
  summary: 'A session host leaves (at shutdown)',
  tag: 'backends',
  security: ['backendToken'],
  body: unregisterRequestSchema,
  status: 200,
  response: unregisterResponseSchema,
});
