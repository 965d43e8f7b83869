import { describe, expect, it } from 'vitest';
import { sessionTraceparent } from '../../src/session/session-trace';

/** sessionStorage's interface over a Map, as the tab would keep it. */
function memoryStorage(): Storage {
  const items = new Map<string, string>();
  return {
    get length() {
      return items.size;
    },
    clear: () => items.clear(),
    getItem: (key) => items.get(key) ?? null,
    key: (index) => [...items.keys()][index] ?? null,
    removeItem: (key) => void items.delete(key),
    setItem: (key, value) => void items.set(key, value),
  };
}

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/;

describe("a session's trace context", () => {
  it('gives every request of one session the same trace and a span of its own', () => {
    const storage = memoryStorage();
    const [select, connect, reconnect] = [1, 2, 3].map(() => sessionTraceparent('sess-a', storage));
    const parts = [select, connect, reconnect].map((header) => TRACEPARENT.exec(header!));
    expect(parts.every((match) => match !== null)).toBe(true);
    expect(new Set(parts.map((match) => match![1])).size).toBe(1);
    expect(new Set(parts.map((match) => match![2])).size).toBe(3);
  });

  it('gives another session another trace', () => {
    const storage = memoryStorage();
    const one = TRACEPARENT.exec(sessionTraceparent('sess-a', storage))![1];
    const other = TRACEPARENT.exec(sessionTraceparent('sess-b', storage))![1];
    expect(other).not.toBe(one);
  });

  it('still traces where the tab keeps nothing', () => {
    const refusing = {
      ...memoryStorage(),
      getItem: () => {
        throw new Error('SecurityError');
      },
      setItem: () => {
        throw new Error('QuotaExceededError');
      },
    } as Storage;
    expect(sessionTraceparent('sess-a', refusing)).toMatch(TRACEPARENT);
  });
});
