import { type CloseReason } from '@webstream/contracts';
import {
  ENDED_SESSION_RETENTION_SECONDS,
  type ReserveOutcome,
  type SessionPatch,
  type SessionRecord,
  SessionStore,
  type SlotLimits,
} from './session-record';

/** One gateway's sessions. Each method runs to completion without awaiting, so reserve is atomic. */
export class MemorySessionStore extends SessionStore {
  private readonly sessions = new Map<string, SessionRecord>();
  private readonly perWorkspace = new Map<string, number>();
  private readonly perUser = new Map<string, number>();
  // In the order they ended, so the expired ones are always at the front.
  private readonly ended = new Map<string, { record: SessionRecord; until: number }>();
  private readonly affinities = new Map<string, { serverUrl: string; until: number }>();
  private turn = 0;

  reserve(record: SessionRecord, limits: SlotLimits): Promise<ReserveOutcome> {
    const existing = this.sessions.get(record.sessionId);
    if (existing !== undefined) return Promise.resolve({ outcome: 'exists', record: existing });
    const inWorkspace = this.perWorkspace.get(record.workspaceId) ?? 0;
    if (limits.workspaceMax !== null && inWorkspace >= limits.workspaceMax) {
      return Promise.resolve({ outcome: 'workspace-full' });
    }
    const ofUser = this.perUser.get(record.userId) ?? 0;
    if (ofUser >= limits.userMax) return Promise.resolve({ outcome: 'user-limit' });
    this.ended.delete(record.sessionId);
    this.sessions.set(record.sessionId, record);
    this.perWorkspace.set(record.workspaceId, inWorkspace + 1);
    this.perUser.set(record.userId, ofUser + 1);
    return Promise.resolve({ outcome: 'reserved' });
  }

  get(sessionId: string): Promise<SessionRecord | undefined> {
    const running = this.sessions.get(sessionId);
    if (running !== undefined) return Promise.resolve(running);
    this.forgetExpired();
    return Promise.resolve(this.ended.get(sessionId)?.record);
  }

  update(sessionId: string, patch: SessionPatch): Promise<SessionRecord | undefined> {
    const running = this.sessions.get(sessionId);
    if (running === undefined) return Promise.resolve(undefined);
    const updated: SessionRecord = { ...running, ...patch, updatedAt: new Date().toISOString() };
    this.sessions.set(sessionId, updated);
    return Promise.resolve(updated);
  }

  release(sessionId: string, endedReason?: CloseReason): Promise<SessionRecord | undefined> {
    const running = this.sessions.get(sessionId);
    if (running === undefined) return this.get(sessionId);
    this.sessions.delete(sessionId);
    decrement(this.perWorkspace, running.workspaceId);
    decrement(this.perUser, running.userId);
    const record: SessionRecord = {
      ...running,
      state: 'ended',
      updatedAt: new Date().toISOString(),
      ...(endedReason === undefined ? {} : { endedReason }),
    };
    this.forgetExpired();
    this.ended.set(sessionId, { record, until: Date.now() + ENDED_SESSION_RETENTION_SECONDS * 1000 });
    return Promise.resolve(running);
  }

  active(): Promise<SessionRecord[]> {
    return Promise.resolve([...this.sessions.values()]);
  }

  affinity(userId: string): Promise<string | undefined> {
    // Bounded by the number of users, so expired entries are dropped when looked up, not swept.
    const entry = this.affinities.get(userId);
    if (entry === undefined || entry.until <= Date.now()) {
      this.affinities.delete(userId);
      return Promise.resolve(undefined);
    }
    return Promise.resolve(entry.serverUrl);
  }

  setAffinity(userId: string, serverUrl: string, ttlSeconds: number): Promise<void> {
    this.affinities.set(userId, { serverUrl, until: Date.now() + ttlSeconds * 1000 });
    return Promise.resolve();
  }

  /** Drops ended records past their retention; they sit in ending order, so this stops at the first kept. */
  private forgetExpired(): void {
    const now = Date.now();
    for (const [sessionId, entry] of this.ended) {
      if (entry.until > now) return;
      this.ended.delete(sessionId);
    }
  }

  nextTurn(): Promise<number> {
    return Promise.resolve(this.turn++);
  }
}

function decrement(counts: Map<string, number>, key: string): void {
  const next = (counts.get(key) ?? 1) - 1;
  if (next > 0) counts.set(key, next);
  else counts.delete(key);
}
