import { type HeartbeatRequest, type RegisterRequest } from '@webstream/contracts';
import { type BackendRecord, BackendStore } from './backend-store';

/** The registry of a gateway that runs alone (no redis.url). */
export class MemoryBackendStore extends BackendStore {
  private readonly records = new Map<string, BackendRecord>();

  constructor(private readonly silenceMs: number) {
    super();
  }

  async register(registration: RegisterRequest, now: number): Promise<void> {
    const existing = this.live(registration.serverUrl, now);
    this.records.set(registration.serverUrl, {
      activeSessions: 0,
      status: 'healthy',
      cpuUsage: null,
      memoryUsage: null,
      pendingSessions: 0,
      registeredAt: now,
      ...existing,
      // A host that no longer names a gateway beside it has none.
      publicGatewayUrl: undefined,
      ...copyOf(registration),
      lastSeenAt: now,
    });
  }

  async heartbeat(heartbeat: HeartbeatRequest, now: number): Promise<boolean> {
    const record = this.live(heartbeat.serverUrl, now);
    if (record === undefined) return false;
    Object.assign(record, {
      status: heartbeat.status,
      activeSessions: heartbeat.activeSessions,
      maxSessions: heartbeat.maxSessions,
      instanceType: heartbeat.instanceType,
      tags: [...heartbeat.tags],
      cpuUsage: heartbeat.cpuUsage,
      memoryUsage: heartbeat.memoryUsage,
      pendingSessions: 0,
      lastSeenAt: now,
    } satisfies Partial<BackendRecord>);
    return true;
  }

  async unregister(serverUrl: string): Promise<boolean> {
    return this.records.delete(serverUrl);
  }

  async notePinned(serverUrl: string, now: number): Promise<boolean> {
    const record = this.live(serverUrl, now);
    if (record === undefined) return false;
    record.pendingSessions += 1;
    return true;
  }

  async list(now: number): Promise<BackendRecord[]> {
    return [...this.records.values()]
      .filter((record) => this.isLive(record, now))
      .sort((a, b) => a.serverUrl.localeCompare(b.serverUrl))
      .map(cloneRecord);
  }

  async get(serverUrl: string, now: number): Promise<BackendRecord | undefined> {
    const record = this.live(serverUrl, now);
    return record === undefined ? undefined : cloneRecord(record);
  }

  async removeSilent(now: number): Promise<string[]> {
    const removed: string[] = [];
    for (const [serverUrl, record] of this.records) {
      if (this.isLive(record, now)) continue;
      this.records.delete(serverUrl);
      removed.push(serverUrl);
    }
    return removed;
  }

  private live(serverUrl: string, now: number): BackendRecord | undefined {
    const record = this.records.get(serverUrl);
    return record !== undefined && this.isLive(record, now) ? record : undefined;
  }

  private isLive(record: BackendRecord, now: number): boolean {
    return record.lastSeenAt > now - this.silenceMs;
  }
}

function copyOf(registration: RegisterRequest): RegisterRequest {
  return { ...registration, tags: [...registration.tags], capabilities: [...registration.capabilities] };
}

function cloneRecord(record: BackendRecord): BackendRecord {
  return { ...record, tags: [...record.tags], capabilities: [...record.capabilities] };
}
