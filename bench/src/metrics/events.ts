// Realistic sample events: streamer figures across ~50 sessions and node figures across ~10 session hosts,
// time-ordered over the last hour, each with its own millisecond (so a lost or doubled row is visible).
import { createHash } from 'node:crypto';
import { type SampleEvent, type SampleMetric } from '@webstream/contracts';

export const SESSIONS = 50;
export const NODES = 10;
const HOUR_MS = 3_600_000;

/** A session host's serverUrl, the node of its samples; the filled rows use the same names. */
export function nodeUrl(index: number): string {
  return `http://session-host-${String(index).padStart(2, '0')}.fleet.internal:9005`;
}

/** A stable UUID-shaped id per session, as a streamer's guid would be. */
function streamerGuid(session: number): string {
  const hex = createHash('md5').update(`bench-streamer-${session}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** Small deterministic PRNG (mulberry32), so two runs send the same figures. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const STREAMER_METRICS: readonly SampleMetric[] = ['streamer.fps', 'streamer.latency', 'streamer.bandwidth'];
const NODE_METRICS: readonly SampleMetric[] = ['node.cpu', 'node.memory'];

function valueOf(metric: SampleMetric, next: () => number): number {
  switch (metric) {
    case 'streamer.fps':
      return Math.round(24 + next() * 36);
    case 'streamer.latency':
      return Math.round((5 + next() * 115) * 10) / 10;
    case 'streamer.bandwidth':
      return Math.round(500 + next() * 19_500);
    case 'node.cpu':
      return Math.round(next() * 1000) / 10;
    case 'node.memory':
      return Math.round((20 + next() * 75) * 10) / 10;
    case 'node.sessions':
    case 'streamer.input':
    case 'licence.active':
    case 'licence.capacity':
      return Math.floor(next() * 50);
  }
}

/**
 * `count` events ending now: four in five are streamer figures (fps, latency, bandwidth in turn, for a
 * random session, with its node, session id and streamer guid), one in five node figures (cpu, memory).
 */
export function sampleEvents(count: number, now = Date.now()): SampleEvent[] {
  const next = random(20_261_124);
  const sessions = Array.from({ length: SESSIONS }, (_, i) => ({
    sessionId: `bench-session-${String(i).padStart(3, '0')}`,
    streamerGuid: streamerGuid(i),
    node: nodeUrl(i % NODES),
  }));
  const start = now - HOUR_MS;
  const step = HOUR_MS / count;
  const events: SampleEvent[] = new Array<SampleEvent>(count);
  for (let i = 0; i < count; i += 1) {
    const at = new Date(start + Math.floor(i * step)).toISOString();
    const slot = i % 5;
    if (slot < 4) {
      const metric = STREAMER_METRICS[i % STREAMER_METRICS.length]!;
      const session = sessions[Math.floor(next() * SESSIONS)]!;
      events[i] = { kind: 'sample', metric, value: valueOf(metric, next), at, ...session };
    } else {
      const metric = NODE_METRICS[Math.floor(i / 5) % NODE_METRICS.length]!;
      events[i] = {
        kind: 'sample',
        metric,
        value: valueOf(metric, next),
        at,
        node: nodeUrl(Math.floor(next() * NODES)),
      };
    }
  }
  return events;
}

/** Whether every event has its own timestamp (true up to 3.6 million events in the hour). */
export function timestampsAreUnique(count: number): boolean {
  return count <= HOUR_MS;
}

/** The same rows as COPY ... FORMAT csv wants them (an empty unquoted field is NULL), in chunks. */
export function csvChunks(events: readonly SampleEvent[], rowsPerChunk = 5_000): string[] {
  const chunks: string[] = [];
  for (let i = 0; i < events.length; i += rowsPerChunk) {
    let chunk = '';
    for (const e of events.slice(i, i + rowsPerChunk)) {
      chunk += `${e.metric},${e.value},${e.at},${e.node ?? ''},${e.sessionId ?? ''},${e.streamerGuid ?? ''}\n`;
    }
    chunks.push(chunk);
  }
  return chunks;
}
