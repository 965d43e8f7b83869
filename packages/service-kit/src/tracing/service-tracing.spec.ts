import { createServer } from 'node:http';
import { type AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { webstreamConfigSchema } from '@webstream/config';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runWithCorrelationId } from '../http/request-context';
import { createServiceLogger } from '../logging/logging';
import { ServiceTracing, traceContextHeaders } from './service-tracing';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
/** A collector that takes every export and reads none. */
const collector = createServer((req, res) => {
  req.resume();
  req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
});
const traced = (enabled: boolean) =>
  webstreamConfigSchema.parse({
    logging: { level: 'info' },
    observability: {
      tracing: {
        enabled,
        endpoint: `http://127.0.0.1:${(collector.address() as AddressInfo).port}/v1/traces`,
      },
    },
  });

describe('service tracing', () => {
  beforeAll(() => new Promise<void>((done) => collector.listen(0, '127.0.0.1', done)));
  afterAll(() => new Promise<void>((done) => collector.close(() => done())));

  it('starts nothing when off (the default)', () => {
    const tracing = new ServiceTracing('gateway', webstreamConfigSchema.parse({}));
    expect(tracing.enabled).toBe(false);
    expect(
      tracing.startRequestSpan({ traceparent: `00-${TRACE_ID}-00f067aa0ba902b7-01` }, {}),
    ).toBeUndefined();
  });

  it("continues the caller's traceparent, and hands the next hop its own span's", async () => {
    const tracing = new ServiceTracing('session-host', traced(true));
    const span = tracing.startRequestSpan({ traceparent: `00-${TRACE_ID}-00f067aa0ba902b7-01` }, {})!;
    expect(span.spanContext().traceId).toBe(TRACE_ID);
    const { traceparent } = traceContextHeaders(span);
    expect(traceparent).toMatch(new RegExp(`^00-${TRACE_ID}-(?!00f067aa0ba902b7)[0-9a-f]{16}-01$`));
    expect(traceparent).toContain(span.spanContext().spanId);
    span.end();
    await tracing.onApplicationShutdown();
  });

  it('puts the trace and span ids in every log line written while a traced request is served', async () => {
    const config = traced(true);
    const tracing = new ServiceTracing('gateway', config);
    const lines: Record<string, unknown>[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
        done();
      },
    });
    const logger = createServiceLogger('gateway', config, sink);
    const span = tracing.startRequestSpan({ traceparent: `00-${TRACE_ID}-00f067aa0ba902b7-01` }, {})!;
    runWithCorrelationId('corr-1', () => logger.info('inside'), { span });
    logger.info('outside');
    expect(lines[0]).toMatchObject({ msg: 'inside', traceId: TRACE_ID, spanId: span.spanContext().spanId });
    expect(lines[1]).not.toHaveProperty('traceId');
    span.end();
    await tracing.onApplicationShutdown();
  });
});
