import { type CloseReason, type SessionState, type WorkspaceContract } from '@webstream/contracts';

/** A brokered session as the gateways share it. */
export interface SessionRecord {
  sessionId: string;
  userId: string;
  username: string;
  orgId: string;
  workspaceId: string;
  appId: string;
  /** What the gateway injects into every request proxied for this session. */
  contract: WorkspaceContract;
  /** The contract as headers, encoded once at select rather than on every proxied request. */
  contractHeaders: Record<string, string>;
  /** serverUrl of the session host the session is pinned to. */
  backend: string;
  /**
   * In the redirect topology, the public URL of the gateway beside that host: the browser opens the session's
   * sockets there, and no other gateway relays them.
   */
  hostGatewayUrl?: string;
  state: SessionState;
  createdAt: string;
  updatedAt: string;
  streamerGuid?: string;
  /**
   * Where the session's streamer listens and the secret that opens it, from the session host's /getConnection
   * answer; never sent to the browser.
   */
  streamer?: { host: string; port: number; secret: string };
  endedReason?: CloseReason;
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
