import { type LoadBalancingStrategy } from '@webstream/config';
import { type BackendView } from '../backends/backend-directory';

export interface Placement {
  /** The workspace's required host tags: a backend must carry each as a tag or a capability. */
  requiredTags: readonly string[];
}

/** Sessions a backend holds or is about to: its last heartbeat's count plus the pins since. */
export function loadOf(backend: BackendView): number {
  return backend.activeSessions + backend.pendingSessions;
}

/** Backends that may take a new session: reachable, not draining, with room, and carrying the tags asked for. */
export function candidatesFor(backends: readonly BackendView[], placement: Placement): BackendView[] {
  return backends
    .filter(
      (backend) =>
        backend.health !== 'unreachable' &&
        backend.status !== 'draining' &&
        loadOf(backend) < backend.maxSessions &&
        placement.requiredTags.every(
          (tag) => backend.tags.includes(tag) || backend.capabilities.includes(tag),
        ),
    )
    .sort((a, b) => a.serverUrl.localeCompare(b.serverUrl));
}

const WEIGHT_TAG = /^weight=(\d{1,4})$/;

/** gateway.loadBalancing.weights for the serverUrl, else a `weight=N` registration tag, else 1. */
export function weightOf(backend: BackendView, configured: Readonly<Record<string, number>>): number {
  const fromConfig = configured[backend.serverUrl];
  if (fromConfig !== undefined) return fromConfig;
  for (const tag of backend.tags) {
    const match = WEIGHT_TAG.exec(tag);
    if (match !== null && Number(match[1]) > 0) return Number(match[1]);
  }
  return 1;
}

/**
 * One backend out of non-empty, serverUrl-ordered candidates. `turn` is a counter shared by every gateway:
 * RoundRobin takes candidates in turn; Weighted walks the same cycle with each backend repeated by its
 * weight; LeastConnections takes the least loaded, ties in turn.
 */
export function pickBackend(
  strategy: LoadBalancingStrategy,
  candidates: readonly BackendView[],
  turn: number,
  weights: Readonly<Record<string, number>>,
): BackendView {
  if (candidates.length === 0) throw new Error('pickBackend needs at least one candidate');
  switch (strategy) {
    case 'RoundRobin':
      return candidates[turn % candidates.length]!;
    case 'LeastConnections': {
      const least = Math.min(...candidates.map(loadOf));
      const tied = candidates.filter((backend) => loadOf(backend) === least);
      return tied[turn % tied.length]!;
    }
    case 'Weighted': {
      const weighted = candidates.map((backend) => ({ backend, weight: weightOf(backend, weights) }));
      const total = weighted.reduce((sum, entry) => sum + entry.weight, 0);
      let position = turn % total;
      for (const entry of weighted) {
        if (position < entry.weight) return entry.backend;
        position -= entry.weight;
      }
      return weighted[weighted.length - 1]!.backend;
    }
  }
}
