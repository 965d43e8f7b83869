import { z } from 'zod';
import { videoCodecSchema } from './capture';

const MAX_POLICY_SECONDS = 30 * 24 * 3600;
const policySecondsSchema = z.int().min(0).max(MAX_POLICY_SECONDS);

/** Resource limits of one session's application, enforced by cgroups where the host may, else by rlimits. */
export const sessionLimitsSchema = z.strictObject({
  memoryMb: z
    .int()
    .min(16)
    .max(1024 * 1024),
  /** Cores' worth of CPU time, e.g. 0.5 or 2. */
  cpus: z.number().min(0.01).max(1024),
  processes: z.int().min(8).max(1_000_000),
  openFiles: z.int().min(64).max(1_048_576),
  homeDiskMb: z
    .int()
    .min(1)
    .max(16 * 1024 * 1024),
});
export type SessionLimits = z.infer<typeof sessionLimitsSchema>;

/**
 * How a workspace's sessions are sandboxed; every field falls back to the session host's
 * sessionHost.sandbox settings. `home`: persistent (the user's own, kept across sessions) or ephemeral (an
 * empty home removed when the session ends).
 */
export const sessionSandboxPolicySchema = z.strictObject({
  limits: sessionLimitsSchema.partial().optional(),
  network: z.enum(['host', 'none']).optional(),
  home: z.enum(['persistent', 'ephemeral']).optional(),
});
export type SessionSandboxPolicy = z.infer<typeof sessionSandboxPolicySchema>;

/**
 * The picture: the codecs sessions may use (the client picks the first it can decode; JPEG is always the last
 * resort) and the H.264 bitrate cap, which a full-screen scroll never exceeds.
 */
export const videoPolicySchema = z.strictObject({
  codecs: z.array(videoCodecSchema).min(1).max(2),
  maxBitrateKbps: z.int().min(200).max(100_000),
});
export type VideoPolicy = z.infer<typeof videoPolicySchema>;

export const defaultVideoPolicy: VideoPolicy = Object.freeze({
  codecs: Object.freeze(['h264', 'jpeg']) as unknown as VideoPolicy['codecs'],
  maxBitrateKbps: 2000,
});

// Not strict: a policy produced by a newer IAM may carry fields an older streamer does not know yet.
export const workspacePolicySchema = z.object({
  clipboard: z.object({
    inbound: z.boolean(),
    outbound: z.boolean(),
    maxBytes: z
      .int()
      .min(1)
      .max(64 * 1024 * 1024),
  }),
  fileTransfer: z.object({
    upload: z.boolean(),
    download: z.boolean(),
  }),
  printing: z.boolean(),
  /** false = view only. */
  inputAllowed: z.boolean(),
  /** 0 = no idle timeout. */
  idleTimeoutSeconds: policySecondsSchema,
  /** 0 = no maximum. */
  maxSessionSeconds: policySecondsSchema,
  /** How long before an idle or duration limit the user is warned. */
  sessionWarningSeconds: policySecondsSchema,
  watermark: z.object({
    enabled: z.boolean(),
    text: z.string().max(256).optional(),
  }),
  audio: z.boolean(),
  /** Absent: defaultVideoPolicy (H.264 where the browser decodes it, 2 Mbit/s). */
  video: videoPolicySchema.optional(),
  sandbox: sessionSandboxPolicySchema.optional(),
});
export type WorkspacePolicy = z.infer<typeof workspacePolicySchema>;

// Frozen so that no consumer can change the default for every other session in the process.
export const defaultPolicy: WorkspacePolicy = Object.freeze({
  clipboard: Object.freeze({ inbound: true, outbound: true, maxBytes: 1024 * 1024 }),
  fileTransfer: Object.freeze({ upload: false, download: false }),
  printing: false,
  inputAllowed: true,
  idleTimeoutSeconds: 1800,
  maxSessionSeconds: 0,
  sessionWarningSeconds: 300,
  watermark: Object.freeze({ enabled: false }),
  audio: true,
});
