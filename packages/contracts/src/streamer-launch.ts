import { z } from 'zod';
import { isoDateTimeSchema, portSchema, type RouteDefinition } from './common';
import { streamerGuidSchema } from './licence';
import { sessionIdSchema } from './session';
import { workspaceContractSchema } from './workspace-headers';

/**
 * The environment variable through which a session host hands a streamer its one session: the streamer reads
 * it once at start-up and refuses to start without a valid one.
 */
export const STREAMER_SESSION_ENV = 'WEBSTREAM_STREAMER_SESSION';

/** The prefix of every streamer's spool folder, for the host to find those left by streamers that are gone. */
export const STREAMER_SPOOL_PREFIX = 'streamer-';

/**
 * The folder under `telemetry.spoolDir` where a session's streamer spools what the metrics engine has not taken
 * yet; the session host sends what is left there once the streamer is gone.
 */
export function streamerSpoolFolder(sessionId: string): string {
  return `${STREAMER_SPOOL_PREFIX}${sessionId}`;
}

/** What a session host tells the streamer it launches: whose session, on which port, under which contract. */
export const streamerLaunchSchema = z.strictObject({
  sessionId: sessionIdSchema,
  streamerGuid: streamerGuidSchema,
  port: portSchema,
  contract: workspaceContractSchema,
});
export type StreamerLaunch = z.infer<typeof streamerLaunchSchema>;

/**
 * The session host asks a streamer to end its session by a deadline (the host is draining): the streamer warns
 * its user at once and ends the session with going-away when the time is up. X-Backend-Token required.
 */
export const streamerDrainRoute = {
  method: 'POST',
  path: '/streamer/drain',
} as const satisfies RouteDefinition;
export const streamerDrainRequestSchema = z.strictObject({
  secondsLeft: z
    .int()
    .min(0)
    .max(24 * 3600),
});
export type StreamerDrainRequest = z.infer<typeof streamerDrainRequestSchema>;
export const streamerDrainResponseSchema = z.object({ endsAt: isoDateTimeSchema });
export type StreamerDrainResponse = z.infer<typeof streamerDrainResponseSchema>;
