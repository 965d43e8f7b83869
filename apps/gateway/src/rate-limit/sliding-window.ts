// Why not a library: rate-limiter-flexible (already in packages/iam) counts fixed windows (its Bursty and
// insurance wrappers compose fixed windows); express-rate-limit, @nestjs/throttler and rate-limit-redis are
// fixed-window too; @upstash/ratelimit's sliding window speaks to Upstash's REST client, not ioredis; and the
// sliding-window packages on npm (sliding-window-rate-limiter, rolling-rate-limiter, async-ratelimiter) keep
// a log of one timestamp per request, filtered on every call (O(limit) memory and time per key: 6,000
// entries for a tenant's default), count two requests of the same microsecond once (ZADD now now) and
// check one key at a time, so an identity and its tenant cannot be charged together or not at all. The
// counter here is a sliding window of sub-second buckets, and the same algorithm runs in Redis as one Lua
// script (redis-sliding-windows.ts).

/** A window's buckets are at most this wide (sub-second precision for windows up to 100 s)... */
const MAX_BUCKET_MS = 100;
/** ...and a short window has at least this many of them... */
const MIN_BUCKETS = 10;
/** ...and a long one at most this many, so a key never holds more. */
export const MAX_BUCKETS = 1_000;

/** The width of a window's buckets: 100 ms for windows of 1 s to 100 s, finer below, coarser above. */
export function bucketWidthMs(windowMs: number): number {
  return Math.max(
    1,
    Math.ceil(windowMs / MAX_BUCKETS),
    Math.min(MAX_BUCKET_MS, Math.floor(windowMs / MIN_BUCKETS)),
  );
}

/** One limit to charge a request against: at most `limit` requests in any `windowMs`. */
export interface WindowLimit {
  key: string;
  limit: number;
  windowMs: number;
}

/** A window after a request: what it counts, and when it frees a unit. */
export interface WindowCount {
  /** Requests in the window, this one included when it was admitted. */
  count: number;
  /**
   * Milliseconds until the window admits one more than now: when the request was refused, until enough of
   * the oldest requests have left it for one more to fit (Retry-After); when admitted, until the oldest
   * request counted leaves it. 0 for an empty window.
   */
  resetMs: number;
}

export interface WindowsOutcome {
  /** All the limits had room, and the request is counted in each; otherwise it is counted in none. */
  admitted: boolean;
  /** In the order of the limits asked about. */
  windows: WindowCount[];
}

/**
 * One sliding window: the requests of its last `windowMs`, in buckets `widthMs` wide (bucket b holds the
 * requests of [b·width, (b+1)·width)). A bucket counts while any of it is inside the window, so a request
 * is counted for at most one bucket width longer than the window and never for less: the window never
 * admits more than its limit within any `windowMs`.
 */
export class SlidingWindow {
  // The live buckets, oldest first: their indices and counts, from `head` on (the rest are dropped ones,
  // compacted away now and then rather than shifted out one by one).
  private readonly indices: number[] = [];
  private readonly counts: number[] = [];
  private head = 0;
  private counted = 0;

  constructor(
    readonly windowMs: number,
    readonly widthMs: number = bucketWidthMs(windowMs),
  ) {}

  /** Requests in the window as of the last `prune`. */
  get total(): number {
    return this.counted;
  }

  /** Drops the buckets that have left the window by `now`. */
  prune(now: number): void {
    // Bucket b is live while (b + 1)·width > now − window, i.e. from this index on.
    const first = Math.floor((now - this.windowMs) / this.widthMs);
    while (this.head < this.indices.length && this.indices[this.head]! < first) {
      this.counted -= this.counts[this.head]!;
      this.head += 1;
    }
    if (this.head === this.indices.length) {
      this.indices.length = 0;
      this.counts.length = 0;
      this.head = 0;
    } else if (this.head >= 64 && this.head * 2 >= this.indices.length) {
      this.indices.splice(0, this.head);
      this.counts.splice(0, this.head);
      this.head = 0;
    }
  }

  /** Counts one request at `now` (a clock that stepped back counts in the newest bucket). */
  add(now: number): void {
    const bucket = Math.floor(now / this.widthMs);
    const last = this.indices.length - 1;
    if (last >= this.head && this.indices[last]! >= bucket) this.counts[last]! += 1;
    else {
      this.indices.push(bucket);
      this.counts.push(1);
    }
    this.counted += 1;
  }

  /** Milliseconds from `now` until `units` of the oldest requests have left the window (0 if it holds fewer). */
  msUntilFreed(now: number, units: number): number {
    let freed = 0;
    for (let i = this.head; i < this.indices.length; i += 1) {
      freed += this.counts[i]!;
      if (freed >= units) return Math.max(0, (this.indices[i]! + 1) * this.widthMs + this.windowMs - now);
    }
    return 0;
  }
}

/** The reset of a window holding `count` against `limit`: see WindowCount.resetMs. */
function resetOf(window: SlidingWindow, limit: number, now: number): number {
  return window.msUntilFreed(now, Math.max(1, window.total - limit + 1));
}

/** Sliding windows by key, in this process's memory. */
export class MemorySlidingWindows {
  private readonly windows = new Map<string, SlidingWindow>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Keys held (windows not yet swept). */
  get size(): number {
    return this.windows.size;
  }

  /**
   * Charges one request against every limit if each has room, else against none. `force` counts it in
   * every window whatever they hold: to mirror a request admitted by the shared windows.
   */
  hit(limits: readonly WindowLimit[], force = false): WindowsOutcome {
    const now = this.now();
    const windows = limits.map((limit) => this.windowOf(limit, now));
    const admitted = force || limits.every((limit, i) => windows[i]!.total < limit.limit);
    if (admitted) for (const window of windows) window.add(now);
    return {
      admitted,
      windows: windows.map((window, i) => ({
        count: window.total,
        resetMs: resetOf(window, limits[i]!.limit, now),
      })),
    };
  }

  /** Forgets the windows nothing is counted in any more. */
  sweep(): void {
    const now = this.now();
    for (const [key, window] of this.windows) {
      window.prune(now);
      if (window.total === 0) this.windows.delete(key);
    }
  }

  private windowOf(limit: WindowLimit, now: number): SlidingWindow {
    let window = this.windows.get(limit.key);
    if (window === undefined || window.windowMs !== limit.windowMs) {
      window = new SlidingWindow(limit.windowMs);
      this.windows.set(limit.key, window);
    }
    window.prune(now);
    return window;
  }
}
