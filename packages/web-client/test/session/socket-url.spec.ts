import { afterEach, describe, expect, it, vi } from 'vitest';
import { socketUrl } from '../../src/session/socket-url';

describe('socketUrl', () => {
  afterEach(() => vi.unstubAllGlobals());

  it("opens at the page's own gateway, as ws or wss by the page's scheme", () => {
    vi.stubGlobal('window', { location: { origin: 'https://portal.example.com:8443' } });
    expect(socketUrl(undefined, '/capture', 'tkt', 's-1', { codecs: 'h264' })).toBe(
      'wss://portal.example.com:8443/capture?ticket=tkt&sessionId=s-1&codecs=h264',
    );
  });

  it('opens at the gateway /getConnection named beside the session’s host, in the redirect topology', () => {
    vi.stubGlobal('window', { location: { origin: 'https://portal.example.com' } });
    expect(socketUrl('http://host2.internal:9000', '/control', 'tkt', 's-2')).toBe(
      'ws://host2.internal:9000/control?ticket=tkt&sessionId=s-2',
    );
  });
});
