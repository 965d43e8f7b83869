import { type ActiveSession, type AdminLicenceResponse, type AdminSession } from '@webstream/contracts';

export interface SessionRow extends AdminSession {
  /** Live figures from the metrics engine, when it knows the session. */
  fps: number | null;
  /** Bytes per second to the browser. */
  bandwidth: number | null;
  /** Milliseconds. */
  latency: number | null;
}

/** The gateway's sessions with the metrics engine's live figures joined by session id. */
export function withLiveMetrics(
  sessions: readonly AdminSession[],
  live: readonly ActiveSession[] | undefined,
): SessionRow[] {
  const byId = new Map((live ?? []).map((entry) => [entry.sessionId, entry]));
  return sessions.map((entry) => {
    const metrics = byId.get(entry.sessionId);
    return {
      ...entry,
      fps: metrics?.fps ?? null,
      bandwidth: metrics?.bandwidth ?? null,
      latency: metrics?.latency ?? null,
    };
  });
}

/** 1536 → "1.5 KB/s"; null → "—". */
export function formatRate(bytesPerSecond: number | null): string {
  if (bytesPerSecond === null || !Number.isFinite(bytesPerSecond)) return '—';
  const units = ['B/s', 'KB/s', 'MB/s', 'GB/s'];
  let value = bytesPerSecond;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${unit === 0 ? Math.round(value) : value.toFixed(1)} ${units[unit]}`;
}

/** "3 h 05 min", "12 min", "40 s": how long ago `since` was. */
export function formatSince(since: string, now: number = Date.now()): string {
  const seconds = Math.max(0, Math.floor((now - Date.parse(since)) / 1000));
  if (!Number.isFinite(seconds)) return '—';
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  return `${hours} h ${String(minutes % 60).padStart(2, '0')} min`;
}

export function formatPercent(value: number | null): string {
  return value === null ? '—' : `${Math.round(value)}%`;
}

export function formatNumber(value: number | null, digits = 0): string {
  return value === null || !Number.isFinite(value) ? '—' : value.toFixed(digits);
}

/** Seats used out of the licensed number: the text and, when there is a limit, the share (0..1) for a meter. */
export function seatUsage(licence: AdminLicenceResponse): { text: string; share: number | undefined } {
  if (licence.maxStreamers === undefined)
    return { text: `${licence.activeStreamers} used`, share: undefined };
  const share = licence.maxStreamers === 0 ? 1 : Math.min(1, licence.activeStreamers / licence.maxStreamers);
  return { text: `${licence.activeStreamers} of ${licence.maxStreamers}`, share };
}

/** Whole days until the licence expires (negative once it has), or undefined without an expiry. */
export function daysUntil(expiresAt: string | undefined, now: number = Date.now()): number | undefined {
  if (expiresAt === undefined) return undefined;
  return Math.floor((Date.parse(expiresAt) - now) / 86_400_000);
}
