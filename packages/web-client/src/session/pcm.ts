/** Interleaved signed 16-bit little-endian PCM as one Float32Array (−1 … 1) per channel. */
export function pcmS16leToFloat32(bytes: Uint8Array, channels: number): Float32Array[] {
  const count = Math.max(1, Math.floor(channels));
  const frames = Math.floor(bytes.byteLength / (2 * count));
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: Float32Array[] = [];
  for (let channel = 0; channel < count; channel += 1) out.push(new Float32Array(frames));
  for (let frame = 0; frame < frames; frame += 1) {
    for (let channel = 0; channel < count; channel += 1) {
      out[channel]![frame] = view.getInt16((frame * count + channel) * 2, true) / 32768;
    }
  }
  return out;
}

export interface JitterOptions {
  /** Seconds of sound kept queued ahead of the playhead after a start or an underrun. */
  targetLatency: number;
  /** Beyond this many seconds queued, new chunks are dropped until the queue drains. */
  maxLatency: number;
}

export const DEFAULT_JITTER: JitterOptions = { targetLatency: 0.08, maxLatency: 0.3 };

export type ScheduleDecision = { play: true; start: number; next: number } | { play: false; next: number };

/**
 * When a chunk of `duration` seconds plays, given the audio clock `now` and where the previous chunk ends
 * (`next`): back to back while the queue is healthy, restarted `targetLatency` ahead after an underrun, and
 * dropped while more than `maxLatency` is already queued (sound late is worse than sound missing).
 */
export function scheduleChunk(
  now: number,
  next: number,
  duration: number,
  options: JitterOptions = DEFAULT_JITTER,
): ScheduleDecision {
  const start = next < now + 0.005 ? now + options.targetLatency : next;
  if (start - now > options.maxLatency) return { play: false, next };
  return { play: true, start, next: start + duration };
}
