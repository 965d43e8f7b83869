import {
  type CloseReason,
  closeReasonSchema,
  sessionIdSchema,
  sessionStateSchema,
  workspaceContractSchema,
} from '@webstream/contracts';
import { z } from 'zod';

/**
 * A brokered session as the gateways share it. Read back from Redis it is parsed with this schema: during a rolling
 * upgrade another version of the gateway may have written it.
 */
export const sessionRecordSchema = z.object({
  sessionId: sessionIdSchema,
  userId: z.string().min(1),
  username: z.string(),
  orgId: z.string().min(1),
  workspaceId: z.string().min(1),
  appId: z.string().min(1),
  /** What the gateway injects into every request proxied for this session. */
  contract: workspaceContractSchema,
  /** The contract as headers, encoded once at select rather than on every proxied request. */
  contractHeaders: z.record(z.string(), z.string()),
  /** serverUrl of the session host the session is pinned to. */
  backend: z.string().min(1),
  /**
   * In the redirect topology, the public URL of the gateway beside that host: the browser opens the session's
   * sockets there, and no other gateway relays them.
   */
  hostGatewayUrl: z.string().optional(),
  state: sessionStateSchema,
  createdAt: z.string(),
  updatedAt: z.string(),
  streamerGuid: z.string().optional(),
  /**
   * Where the session's streamer listens and the secret that opens it, from the session host's /getConnection
   * answer; never sent to the browser.
   */
  streamer: z.object({ host: z.string(), port: z.int(), secret: z.string() }).optional(),
  endedReason: closeReasonSchema.optional(),
});
export type SessionRecord = z.infer<typeof sessionRecordSchema>;

/** A session record from shared state, or an error naming what is wrong with it. */
export function parseSessionRecord(json: string): SessionRecord {
  const parsed = sessionRecordSchema.safeParse(JSON.parse(json));
  if (parsed.success) return parsed.data;
  const [issue] = parsed.error.issues;
  throw new Error(
    `a session record in the shared state is not one: ${issue?.path.join('.') ?? ''}: ${issue?.message ?? ''}`,
  );
}

/** What a running session's record may be changed by after its reservation. */
export type SessionPatch = Partial<Pick<SessionRecord, 'state' | 'streamerGuid' | 'streamer'>>;

export interface SlotLimits {
  /** The workspace's concurrency cap; null = none. */
  workspaceMax: number | null;
  /** gateway.maxSessionsPerUser */
  userMax: number;
}

export type ReserveOutcome =
  | { outcome: 'reserved' }
  | { outcome: 'exists'; record: SessionRecord }
  | { outcome: 'workspace-full' | 'user-limit' };

/** How long a released session's record is kept, so a reconnect preflight can say it ended and why. */
export const ENDED_SESSION_RETENTION_SECONDS = 3600;

/**
 * Sessions, their concurrency slots, the users' affinity to a backend and the round-robin turn, shared by
 * every gateway (Redis) or kept by the one gateway there is (memory). Slot checks and the write that takes
 * the slot are one atomic step, so concurrent selects on several gateways never overshoot a cap.
 */
export abstract class SessionStore {
  abstract reserve(record: SessionRecord, limits: SlotLimits): Promise<ReserveOutcome>;
  abstract get(sessionId: string): Promise<SessionRecord | undefined>;
  /** Changes a running session (not an ended one); answers the record as it now is, if it runs. */
  abstract update(sessionId: string, patch: SessionPatch): Promise<SessionRecord | undefined>;
  /** Ends a session: frees its slots and keeps an ended record for a while. Returns it as it was, if any. */
  abstract release(sessionId: string, endedReason?: CloseReason): Promise<SessionRecord | undefined>;
  /** Sessions holding a slot (not ended). */
  abstract active(): Promise<SessionRecord[]>;
  abstract affinity(userId: string): Promise<string | undefined>;
  abstract setAffinity(userId: string, serverUrl: string, ttlSeconds: number): Promise<void>;
  /** 0, 1, 2 … across every gateway: the round-robin and weighted turn. */
  abstract nextTurn(): Promise<number>;
}
