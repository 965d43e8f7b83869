import { z } from 'zod';
import { type RouteDefinition } from './common';
import { serverUrlSchema } from './register';

export const unregisterRoute = {
  method: 'POST',
  path: '/gateway/unregister',
} as const satisfies RouteDefinition;

export const unregisterRequestSchema = z.strictObject({ serverUrl: serverUrlSchema });
export type UnregisterRequest = z.infer<typeof unregisterRequestSchema>;

// success is false when the gateway did not know the host; shutdown proceeds either way.
export const unregisterResponseSchema = z.object({ success: z.boolean() });
export type UnregisterResponse = z.infer<typeof unregisterResponseSchema>;
