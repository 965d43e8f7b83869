import { type BackendStatus } from '@webstream/contracts';

/** This gateway's monitor's view of a backend: 'unknown' until its first probes confirm it (routable). */
export type BackendHealth = 'unknown' | 'healthy' | 'unstable' | 'unreachable';

export interface BackendView {
  serverUrl: string;
  maxSessions: number;
  activeSessions: number; // from the last heartbeat (0 before the first)
  pendingSessions: number; // sessions pinned to it since its last heartbeat (shared through the store)
  instanceType: string;
  tags: string[];
  capabilities: string[];
  status: BackendStatus; // from the last heartbeat ('healthy' before the first), contracts heartbeat.ts
  health: BackendHealth; // this gateway's monitor's view
  ec2InstanceId: string | null;
  version: string;
  /** In the redirect topology, the gateway beside the host, where its sessions' sockets are opened. */
  publicGatewayUrl?: string;
  cpuUsage: number | null;
  memoryUsage: number | null;
  registeredAt: string; // ISO
  lastSeenAt: string; // ISO: last registration or heartbeat
}

/**
 * What the session broker reads: the registered backends with their figures and this gateway's health view.
 * A backend is routable when its health is not 'unreachable' and its status is not 'draining'; the broker
 * filters, the directory only reports.
 */
export abstract class BackendDirectory {
  /** Every registered backend that is not gone (heartbeat silence), with this gateway's health view. */
  abstract list(): Promise<BackendView[]>;
  abstract get(serverUrl: string): Promise<BackendView | undefined>;
  /** A session was pinned to this backend: counts as pending until its next heartbeat resets the count. */
  abstract notePinned(serverUrl: string): Promise<void>;
  /** This gateway's health view, synchronously (for the session status preflight). */
  abstract health(serverUrl: string): BackendHealth;
}
