import { z } from 'zod';
import { closeReasonSchema } from './close-codes';

/** Sent on any WebSocket before a close, or alone when the connection survives (e.g. one refused message). */
export const wsErrorMessageSchema = z.object({
  type: z.literal('error'),
  code: closeReasonSchema,
  message: z.string().max(1024),
});
export type WsErrorMessage = z.infer<typeof wsErrorMessageSchema>;
