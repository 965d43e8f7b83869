import { type BackendStatus, type HeartbeatRequest, type RegisterRequest } from '@webstream/contracts';

/** What the registry keeps per backend; times are epoch milliseconds. */
export interface BackendRecord {
  serverUrl: string;
  maxSessions: number;
  instanceType: string;
  ec2InstanceId: string | null;
  tags: string[];
  capabilities: string[];
  version: string;
  /** In the redirect topology, the gateway beside the host, where its sessions' sockets are opened. */
  publicGatewayUrl?: string;
  /** The last heartbeat's figures; before the first: 0 active, status healthy, no usage. */
  activeSessions: number;
  status: BackendStatus;
  cpuUsage: number | null;
  memoryUsage: number | null;
  /** Sessions pinned to the backend since its last heartbeat (which resets the count). */
  pendingSessions: number;
  registeredAt: number;
  /** The last registration or heartbeat. */
  lastSeenAt: number;
}

/** A serverUrl is the backend's identity: `http://h:9005/` and `http://h:9005` are one backend. */
export function normalizeServerUrl(serverUrl: string): string {
  return serverUrl.replace(/\/+$/, '');
}

/**
 * The registered backends, in this process (one gateway) or in Redis (every gateway). A record last seen
 * gateway.backend.heartbeatTimeout or longer before `now` is gone: no method returns, updates or counts on it,
 * and removeSilent deletes it. Callers pass normalised serverUrls.
 */
export abstract class BackendStore {
  /**
   * Creates the record, or updates a live one's registration fields and lastSeenAt, keeping its registeredAt
   * and the last heartbeat's figures: registering twice is registering once.
   */
  abstract register(registration: RegisterRequest, now: number): Promise<void>;

  /** Applies the heartbeat and resets pendingSessions; false (nothing written) when the backend is not live. */
  abstract heartbeat(heartbeat: HeartbeatRequest, now: number): Promise<boolean>;

  /** Removes the record; false when there was none. */
  abstract unregister(serverUrl: string): Promise<boolean>;

  /** Adds one pending session to a live backend; false when it is not live. */
  abstract notePinned(serverUrl: string, now: number): Promise<boolean>;

  /** The live records, ordered by serverUrl. */
  abstract list(now: number): Promise<BackendRecord[]>;

  abstract get(serverUrl: string, now: number): Promise<BackendRecord | undefined>;

  /** Deletes the records that went silent; answers the ones this call removed (another gateway may race). */
  abstract removeSilent(now: number): Promise<string[]>;
}
