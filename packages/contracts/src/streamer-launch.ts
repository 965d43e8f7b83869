import { z } from 'zod';
import { isoDateTimeSchema, portSchema, traceparentSchema } from './common';
import { streamerGuidSchema } from './licence';
import { sessionLimitsSchema } from './policy';
import { sessionIdSchema } from './session';
import { workspaceContractSchema } from './workspace-headers';
import { defineEndpoint } from './endpoint';

/**
 * The descriptor through which a session host hands a streamer its one session (a JSON StreamerLaunch, then
 * end of file): never the environment, which every program the streamer starts could read. The streamer reads
 * it once at start-up and refuses to start without a valid one.
 */
export const STREAMER_LAUNCH_FD = 3;

/** The header by which the gateway and the session host prove to a streamer that they may open its session. */
export const STREAMER_SECRET_HEADER = 'x-streamer-secret';
/** A per-session secret: 32 random bytes, base64url. */
export const streamerSecretSchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]{43}$/, { error: 'must be 32 random bytes in base64url' });

/**
 * How the streamer runs the session's programs: as `uid`, the application inside bubblewrap with only `home`
 * writable, the display, sound and runtime files in `runtimeDir` (owned by uid, 0700). Null: no sandbox
 * (sessionHost.sandbox.mode none), the programs run as the streamer does.
 */
export const sessionSandboxSchema = z.strictObject({
  uid: z.int().min(1).max(0xfffffffe),
  gid: z.int().min(1).max(0xfffffffe),
  /** The name the application sees for itself (USER, LOGNAME, its passwd entry). */
  username: z.string().regex(/^[a-z_][a-z0-9_-]{0,31}$/),
  /** On the host: the user's own home, kept across sessions; null: an empty one in memory, gone with the session. */
  home: z.string().startsWith('/').nullable(),
  runtimeDir: z.string().startsWith('/'),
  network: z.enum(['host', 'none']),
  limits: sessionLimitsSchema,
  /** cgroup.procs files the application's processes join; empty where the host enforces rlimits instead. */
  cgroupProcs: z.array(z.string().startsWith('/')).max(8),
  /** Paths the application must not see although they lie under a system folder it gets (the install). */
  hiddenPaths: z.array(z.string().startsWith('/')).max(16),
});
export type SessionSandbox = z.infer<typeof sessionSandboxSchema>;

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
  /** Where the streamer listens: the address the session host names, never every address. */
  address: z.string().min(1).max(253),
  /** What an upgrade or a host request must present (STREAMER_SECRET_HEADER); the backend token opens nothing. */
  streamerSecret: streamerSecretSchema,
  sandbox: sessionSandboxSchema.nullable(),
  /**
   * WEBSTREAM__* configuration overrides the session host was started with, so the streamer's configuration is
   * its host's without either holding them in its environment.
   */
  configOverrides: z.record(z.string().regex(/^WEBSTREAM__/i), z.string()),
  /** The W3C trace context of the request that started the session, when it was traced: the streamer's start continues it. */
  traceparent: traceparentSchema.optional(),
});
export type StreamerLaunch = z.infer<typeof streamerLaunchSchema>;

export const streamerDrainRequestSchema = z.strictObject({
  secondsLeft: z
    .int()
    .min(0)
    .max(24 * 3600),
});
export type StreamerDrainRequest = z.infer<typeof streamerDrainRequestSchema>;
export const streamerDrainResponseSchema = z.object({ endsAt: isoDateTimeSchema });
export type StreamerDrainResponse = z.infer<typeof streamerDrainResponseSchema>;

/**
 * The session host asks a streamer to end its session by a deadline (the host is draining): the streamer warns
 * its user at once and ends the session with going-away when the time is up. Only its session host may ask.
 */
export const streamerDrainRoute = defineEndpoint({
  operationId: 'drainStreamer',
  method: 'POST',
  path: '/streamer/drain',
  summary: 'The host is draining: warn the user and end the session by the deadline',
  tag: 'session',
  security: ['streamerSecret'],
  body: streamerDrainRequestSchema,
  status: 200,
  response: streamerDrainResponseSchema,
});
