import { type CloseReason } from '@webstream/contracts';
import {
  ENDED_SESSION_RETENTION_SECONDS,
  type ReserveOutcome,
  type SessionRecord,
  SessionStore,
  type SlotLimits,
} from './session-record';

/** One gateway's sessions. Each method runs to completion without awaiting, so reserve is atomic. */
export class MemorySessionStore extends SessionStore {
  private readonly sessions = new Map<string, SessionRecord>();
  private readonly ended = new Map<string, { record: SessionRecord; until: number }>();
  private readonly affinities = new Map<string, { serverUrl: string; until: number }>();
  private turn = 0;

  reserve(record: SessionRecord, limits: SlotLimits): Promise<ReserveOutcome> {
    const existing = this.sessions.get(record.sessionId);
    if (existing !== undefined) return Promise.resolve({ outcome: 'exists', record: existing });
    const running = [...this.sessions.values()];
    if (
      limits.workspaceMax !== null &&
      running.filter((session) => session.workspaceId === record.workspaceId).length >= limits.workspaceMax
    ) {
      return Promise.resolve({ outcome: 'workspace-full' });
    }
    if (running.filter((session) => session.userId === record.userId).length >= limits.userMax) {
      return Promise.resolve({ outcome: 'user-limit' });
    }
    this.ended.delete(record.sessionId);
    this.sessions.set(record.sessionId, record);
    return Promise.resolve({ outcome: 'reserved' });
  }

  get(sessionId: string): Promise<SessionRecord | undefined> {
    const running = this.sessions.get(sessionId);
    if (running !== undefined) return Promise.resolve(running);
    const ended = this.ended.get(sessionId);
    if (ended === undefined || ended.until <= Date.now()) {
      this.ended.delete(sessionId);
      return Promise.resolve(undefined);
    }
    return Promise.resolve(ended.record);
  }

  release(sessionId: string, endedReason?: CloseReason): Promise<SessionRecord | undefined> {
    const running = this.sessions.get(sessionId);
    if (running === undefined) return this.get(sessionId);
    this.sessions.delete(sessionId);
    const record: SessionRecord = {
      ...running,
      state: 'ended',
      updatedAt: new Date().toISOString(),
      ...(endedReason === undefined ? {} : { endedReason }),
    };
    this.ended.set(sessionId, { record, until: Date.now() + ENDED_SESSION_RETENTION_SECONDS * 1000 });
    return Promise.resolve(running);
  }

  active(): Promise<SessionRecord[]> {
    return Promise.resolve([...this.sessions.values()]);
  }

  affinity(userId: string): Promise<string | undefined> {
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

  nextTurn(): Promise<number> {
    return Promise.resolve(this.turn++);
  }
}
