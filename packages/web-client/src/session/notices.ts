import { type NoticeKind } from '@webstream/contracts';

export interface Notice {
  id: number;
  kind: NoticeKind | 'error' | 'info';
  message: string;
  /** Date.now() when a countdown (secondsLeft) reaches zero. */
  deadline?: number;
  /** Date.now() after which the notice goes away by itself. */
  expires?: number;
}

const KEEP_MS = 10_000;
const MAX_NOTICES = 4;

/** Adds a notice: one per kind for warnings (the newest replaces the older), at most a few on screen. */
export function addNotice(
  notices: readonly Notice[],
  notice: Omit<Notice, 'expires' | 'deadline'> & { secondsLeft?: number | undefined },
  now: number,
): Notice[] {
  const { secondsLeft, ...rest } = notice;
  const deadline = secondsLeft === undefined ? undefined : now + secondsLeft * 1000;
  const next: Notice = {
    ...rest,
    ...(deadline === undefined ? { expires: now + KEEP_MS } : { deadline, expires: deadline + KEEP_MS }),
  };
  const replaces =
    notice.kind === 'idle-warning' || notice.kind === 'session-ending' || notice.kind === 'view-only';
  const kept = notices.filter(
    (old) =>
      !(replaces && old.kind === notice.kind) &&
      !(old.kind === notice.kind && old.message === notice.message),
  );
  return [...kept, next].slice(-MAX_NOTICES);
}

export function liveNotices(notices: readonly Notice[], now: number): Notice[] {
  return notices.filter((notice) => notice.expires === undefined || notice.expires > now);
}

/** The notice's text with its countdown, e.g. "The session ends soon (1:05 left)". */
export function noticeText(notice: Notice, now: number): string {
  if (notice.deadline === undefined) return notice.message;
  const left = Math.max(0, Math.ceil((notice.deadline - now) / 1000));
  const minutes = Math.floor(left / 60);
  const seconds = String(left % 60).padStart(2, '0');
  return `${notice.message} (${minutes}:${seconds} left)`;
}

/** The status line: frames per second, round trip, frame age and the connection state. */
export function statusText(stats: {
  fps: number;
  rttMs: number | undefined;
  frameAgeMs: number | undefined;
  codec?: string | undefined;
  kbps?: number;
  decodeMs?: number | undefined;
  state: string;
}): string {
  const rtt = stats.rttMs === undefined ? '–' : String(Math.round(stats.rttMs));
  const codec = stats.codec === undefined ? '' : `${stats.codec.toUpperCase()} · `;
  const rate = stats.kbps === undefined ? '' : ` · ${formatKbps(stats.kbps)}`;
  const decode = stats.decodeMs === undefined ? '' : ` · decode ${stats.decodeMs.toFixed(1)} ms`;
  const age = stats.frameAgeMs === undefined ? '' : ` · frame age ${Math.round(stats.frameAgeMs)} ms`;
  return `${codec}${stats.fps} fps${rate}${decode} · ${rtt} ms${age} · ${stats.state}`;
}

function formatKbps(kbps: number): string {
  return kbps >= 1000 ? `${(kbps / 1000).toFixed(1)} Mbit/s` : `${kbps} kbit/s`;
}
