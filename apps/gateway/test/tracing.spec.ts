import {
  type GetConnectionResponse,
  type SessionSelectRequest,
  type TokenResponse,
} from '@webstream/contracts';
import { type TestService } from '@webstream/service-kit/testing';
import {
  call,
  type ExportedSpan,
  OtlpReceiver,
  StandInSessionHost,
  StandInStreamer,
  until,
} from '@webstream/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GatewayUnderTest } from './gateway-under-test';

describe('traces (observability.tracing)', () => {
  const receiver = new OtlpReceiver();
  let under: GatewayUnderTest;
  let gateway: TestService;
  let host: StandInSessionHost;
  let streamer: StandInStreamer;
  let admin: TokenResponse;
  let launch: SessionSelectRequest;

  beforeAll(async () => {
    await receiver.start();
    under = await GatewayUnderTest.prepare('tracing');
    host = await new StandInSessionHost({ backendToken: under.backendToken }).start();
    streamer = await new StandInStreamer().start();
    host.streamerFor = (sessionId) => streamer.connection(sessionId);
    gateway = await under.start(
      under.config({ observability: { tracing: { enabled: true, endpoint: receiver.url } } }),
    );
    const registered = await call(gateway.url, 'POST', '/gateway/register', {
      body: host.registration(),
      headers: { 'x-backend-token': under.backendToken },
    });
    expect(registered.status).toBe(200);
    ({ admin, launch } = await under.launchable(gateway));
  });

  afterAll(async () => {
    await under?.stop();
    await Promise.all([host?.stop(), streamer?.stop(), receiver.stop()]);
  });

  it("continues the browser's trace from select through /getConnection to the session host, with seed 002's span names", async () => {
    // What a browser tracing its launch sends: one trace, a span of its own for each request.
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const [selectParent, connectParent] = ['00f067aa0ba902b7', '00f067aa0ba902b8'];
    const headers = (parent: string) => ({
      'x-session-id': 'admin-traced-01',
      traceparent: `00-${traceId}-${parent}-01`,
    });
    const selected = await call(gateway.url, 'POST', '/gateway/session/select', {
      token: admin.accessToken,
      body: launch,
      headers: headers(selectParent),
    });
    expect(selected.status).toBe(200);
    const connection = await call<GetConnectionResponse>(gateway.url, 'GET', '/getConnection', {
      token: admin.accessToken,
      headers: headers(connectParent),
    });
    expect(connection.status).toBe(200);

    const ofTrace = () => receiver.spans.filter((span) => span.traceId === traceId);
    const routeOf = (parent: string) =>
      ofTrace().find((s) => s.name === 'gateway.route' && s.parentSpanId === parent);
    const childrenOf = (span: ExportedSpan | undefined) =>
      span
        ? ofTrace()
            .filter((s) => s.parentSpanId === span.spanId)
            .map((s) => s.name)
            .sort()
        : [];
    await until('both requests traced, with their steps', () => {
      const select = routeOf(selectParent);
      const connect = routeOf(connectParent);
      return childrenOf(select).length >= 1 && childrenOf(connect).length >= 2;
    });
    const select = routeOf(selectParent)!;
    expect(select.attributes).toMatchObject({
      'http.route': '/gateway/session/select',
      'http.response.status_code': 200,
    });
    expect(childrenOf(select)).toContain('gateway.auth.validate');
    const connect = routeOf(connectParent)!;
    expect(connect.attributes).toMatchObject({
      'http.route': '/getConnection',
      'http.response.status_code': 200,
    });
    expect(childrenOf(connect)).toEqual(['gateway.auth.validate', 'gateway.transport.send']);

    // The hop to the session host carries the trace on, as the child of gateway.transport.send.
    const send = ofTrace().find((s) => s.name === 'gateway.transport.send')!;
    expect(send.kind).toBe(3); // SPAN_KIND_CLIENT
    expect(host.connections.at(-1)?.['traceparent']).toBe(`00-${traceId}-${send.spanId}-01`);
  });

  it('starts a trace of its own for a request that brings none, and never answers with it', async () => {
    const before = receiver.spans.length;
    const status = await call(gateway.url, 'GET', '/gateway/session/status', {
      token: admin.accessToken,
      headers: { 'x-session-id': 'admin-traced-01' },
    });
    expect(status.status).toBe(200);
    const span = await until('the status request traced', () =>
      receiver.spans
        .slice(before)
        .find((s) => s.name === 'gateway.route' && s.attributes['http.route'] === '/gateway/session/status'),
    );
    expect(span.parentSpanId).toBe('');
    expect(span.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(status.headers.get('traceparent')).toBeNull();
  });
});
