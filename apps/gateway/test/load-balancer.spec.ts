import { describe, expect, it } from 'vitest';
import { type BackendView } from '../src/backends/backend-directory';
import { candidatesFor, pickBackend, weightOf } from '../src/sessions/load-balancer';

function backend(serverUrl: string, overrides: Partial<BackendView> = {}): BackendView {
  return {
    serverUrl,
    maxSessions: 10,
    activeSessions: 0,
    pendingSessions: 0,
    instanceType: 'test',
    tags: [],
    capabilities: [],
    status: 'healthy',
    health: 'healthy',
    ec2InstanceId: null,
    version: '1',
    cpuUsage: null,
    memoryUsage: null,
    registeredAt: '2026-11-24T00:00:00.000Z',
    lastSeenAt: '2026-11-24T00:00:00.000Z',
    ...overrides,
  };
}

function distribution(picks: BackendView[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const pick of picks) counts[pick.serverUrl] = (counts[pick.serverUrl] ?? 0) + 1;
  return counts;
}

const a = 'http://a:9005';
const b = 'http://b:9005';
const c = 'http://c:9005';

describe('candidates', () => {
  it('leave out unreachable, draining, full and untagged hosts, and order the rest by serverUrl', () => {
    const hosts = [
      backend(c),
      backend('http://down:9005', { health: 'unreachable' }),
      backend('http://draining:9005', { status: 'draining' }),
      backend('http://full:9005', { activeSessions: 8, pendingSessions: 2 }),
      backend(a, { health: 'unknown' }),
      backend(b, { health: 'unstable' }),
    ];
    expect(candidatesFor(hosts, { requiredTags: [] }).map((host) => host.serverUrl)).toEqual([a, b, c]);
  });

  it('keep only hosts carrying every required tag, as a tag or a capability', () => {
    const hosts = [
      backend(a, { tags: ['gpu', 'eu'] }),
      backend(b, { tags: ['eu'], capabilities: ['gpu'] }),
      backend(c, { tags: ['eu'] }),
    ];
    expect(candidatesFor(hosts, { requiredTags: ['gpu', 'eu'] }).map((host) => host.serverUrl)).toEqual([
      a,
      b,
    ]);
  });
});

describe('strategies', () => {
  const hosts = [backend(a), backend(b), backend(c)];

  it('RoundRobin takes each host in turn', () => {
    const picks = Array.from({ length: 300 }, (_, turn) => pickBackend('RoundRobin', hosts, turn, {}));
    expect(picks.slice(0, 4).map((host) => host.serverUrl)).toEqual([a, b, c, a]);
    expect(distribution(picks)).toEqual({ [a]: 100, [b]: 100, [c]: 100 });
  });

  it('LeastConnections takes the least loaded, counting sessions pinned since the heartbeat, ties in turn', () => {
    const loaded = [
      backend(a, { activeSessions: 3 }),
      backend(b, { activeSessions: 1, pendingSessions: 1 }),
      backend(c, { activeSessions: 4 }),
    ];
    expect(pickBackend('LeastConnections', loaded, 0, {}).serverUrl).toBe(b);
    expect(pickBackend('LeastConnections', loaded, 1, {}).serverUrl).toBe(b);
    // Placing sessions one by one and counting each pin spreads them to the same load everywhere.
    const state = loaded.map((host) => ({ ...host }));
    for (let turn = 0; turn < 9; turn++) {
      const pick = pickBackend('LeastConnections', state, turn, {});
      state.find((host) => host.serverUrl === pick.serverUrl)!.pendingSessions++;
    }
    expect(state.map((host) => host.activeSessions + host.pendingSessions)).toEqual([6, 6, 6]);
  });

  it('Weighted follows weights from the configuration, else from weight= tags, else 1', () => {
    const tagged = [backend(a), backend(b, { tags: ['weight=2'] }), backend(c)];
    const weights = { [a]: 5 };
    expect(tagged.map((host) => weightOf(host, weights))).toEqual([5, 2, 1]);
    const picks = Array.from({ length: 800 }, (_, turn) => pickBackend('Weighted', tagged, turn, weights));
    expect(distribution(picks)).toEqual({ [a]: 500, [b]: 200, [c]: 100 });
  });

  it('refuses to pick from nothing', () => {
    expect(() => pickBackend('RoundRobin', [], 0, {})).toThrow(/at least one candidate/);
  });
});
