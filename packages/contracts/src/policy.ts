import { z } from 'zod';

const MAX_POLICY_SECONDS = 30 * 24 * 3600;
const policySecondsSchema = z.int().min(0).max(MAX_POLICY_SECONDS);

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
